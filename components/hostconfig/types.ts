import type { NodeSpec, ShopSpec } from "../config";

/** One file a host receives: where it goes, who owns it, and what to restart when it changes. */
export interface BundleFile {
  /** Absolute path on the host. */
  path: string;
  /** Octal mode such as "0644". */
  mode: string;
  /** "user:group". */
  owner: string;
  content: string;
  /** systemd units to restart when this file changes (or is removed); "reload:UNIT" reloads instead. */
  restarts?: string[];
  /**
   * The content holds `{{secret:NAME}}` tokens that the apply script fills from
   * /etc/shop/secrets.env on the host; the rendered bundle itself never holds a secret (D3).
   */
  template?: boolean;
  /**
   * The host secrets this file needs: the names of its `{{secret:NAME}}` tokens, or the
   * secrets.env variables the script reads. Converge sends a host exactly the union of these
   * lists (least privilege, SEC-2); nothing is routed by what a file's text happens to mention.
   */
  secrets?: string[];
}

/** D1: the one artifact per host. Rendered purely; validated by tests; delivered by cloud-init and converge. */
export interface HostBundle {
  host: string;
  files: BundleFile[];
  /** sha256 over every file's path, mode, owner and content: the converge trigger. */
  hash: string;
  /** Sorted union of the files' `secrets`: the shared secrets converge sends this host. */
  secrets: string[];
}

/** A renderer for one concern; it returns nothing for roles it does not serve. */
export type BundleRenderer = (spec: ShopSpec, node: NodeSpec) => BundleFile[];
