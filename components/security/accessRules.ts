import { createHash } from "crypto";
import type { ShopSpec } from "../config";

/** One Hetzner project SSH key: rescue access for an admin (SEC-2). */
export interface RescueKey {
  name: string;
  user: string;
  publicKey: string;
}

/** SHA-256 of the key blob (what `ssh-keygen -l` hashes), hex: stable whatever the comment says. */
export function keyFingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? "", "base64");
  return createHash("sha256").update(blob).digest("hex");
}

/**
 * Only admins get Hetzner project keys; every other role reaches hosts through converge alone.
 * The keys never reach a Server input (D2): they are for the rescue system and new servers
 * created by hand. Hetzner names are unique per project and it rejects the same key twice, so
 * a key is named by its fingerprint: a rotated key is a new name (create-before-delete works)
 * and removing one key never renames another. Each key appears once per stack.
 */
export function rescueKeys(spec: ShopSpec): RescueKey[] {
  const seen = new Set<string>();
  return spec.users
    .filter((u) => u.role === "admin")
    .flatMap((u) => u.sshKeys.map((publicKey) => ({ user: u.name, publicKey, fingerprint: keyFingerprint(publicKey) })))
    .filter((k) => !seen.has(k.fingerprint) && seen.add(k.fingerprint))
    .map((k) => ({ name: `${spec.stack}-${k.user}-${k.fingerprint.slice(0, 16)}`, user: k.user, publicKey: k.publicKey }));
}

/** The Shopware administration lives under /admin (its API under /api stays open for integrations). */
export const ADMIN_PATH = "/admin";

/** A Cloudflare rules-language expression matching /admin requests from outside the allow-list. */
export function adminBlockExpression(allowlist: string[]): string | undefined {
  if (allowlist.length === 0) return undefined;
  return `(starts_with(http.request.uri.path, "${ADMIN_PATH}") and not ip.src in {${[...new Set(allowlist)].join(" ")}})`;
}
