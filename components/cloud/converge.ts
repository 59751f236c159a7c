import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { AUTOMATION_USER } from "../config";
import { HostBundle } from "../hostconfig/types";
import { renderHostBundle, selfContainedBundle } from "../hostconfig/bundle";
import { readShopFile } from "../hostconfig/shopFiles";
import type { ShopNode } from "./nodes";
import { SecretMap, secretsEnvOutput } from "./secrets";
import { dbPrimary, NodeSpec, ShopSpec } from "../config";

export interface HostConvergeArgs {
  bundle: HostBundle;
  /** The server's public IPv4: converge connects from the deployer (inside deployerCidrs). */
  host: pulumi.Input<string>;
  /**
   * The server's id. A replaced server (a new image, README "Upgrade path") is a new machine
   * even when Hetzner hands it the old address, so every step runs again for it.
   */
  serverId: pulumi.Input<string>;
  privateKey: pulumi.Input<string>;
  /** Shared secrets this host needs (convergeHosts passes those its bundle declares) … */
  secrets: SecretMap;
  /** … plus this host's own, from other components (e.g. its Storage Box subaccount password). */
  extraSecrets?: SecretMap;
}

/**
 * Waits for the first boot. cloud-init ≥ 23.4 (Debian 13) exits 2 from `status --wait` for a
 * boot that finished with recoverable errors: that host is done, so 2 passes too, and the
 * warnings go to the log. Any other code (1: cloud-init failed) stops converge.
 */
export const CLOUD_INIT_WAIT =
  'rc=0; sudo cloud-init status --wait >/dev/null || rc=$?; ' +
  'if [ "$rc" -eq 2 ]; then echo "cloud-init finished with recoverable errors:" >&2; sudo cloud-init status --long >&2; fi; ' +
  '[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]';

/**
 * Day-2 delivery of one host's bundle (D1, D2): wait for cloud-init, copy the bundle and the
 * apply script, run it with the secrets on stdin. Keyed by the bundle hash, so any change to a
 * file re-runs it and nothing else does; the server itself is never touched.
 *
 * @pulumi/command 1.2.1's CopyToRemote takes path-based assets and StringAsset only (AssetArchive
 * support came later upstream), so the bundle travels as one self-contained bundle.json
 * (manifest + contents) that shop-apply reads directly.
 */
export class HostConverge extends pulumi.ComponentResource {
  readonly apply: command.remote.Command;

  constructor(name: string, args: HostConvergeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:HostConverge", name, {}, opts);
    const { bundle } = args;
    const connection: command.types.input.remote.ConnectionArgs = {
      host: args.host,
      user: AUTOMATION_USER,
      privateKey: args.privateKey,
      // A new server needs a minute or two before sshd answers.
      dialErrorLimit: 60,
      perDialTimeout: 10,
    };
    const child = { parent: this };
    // addPreviousOutputInEnv (default true) sends PULUMI_COMMAND_STDOUT, which Debian's sshd
    // (AcceptEnv LANG LC_*) refuses with a warning on every re-run: both commands turn it off.

    const cloudInit = new command.remote.Command(
      `${name}-cloud-init`,
      { connection, create: CLOUD_INIT_WAIT, addPreviousOutputInEnv: false, triggers: [args.serverId] },
      child,
    );

    // Content-addressed names: a re-run for a rotated secret finds the files it needs, and a
    // new bundle never overwrites the one an interrupted apply may still be reading.
    const applyScript = readShopFile("shop-apply.sh");
    const home = `/home/${AUTOMATION_USER}`;
    const bundleName = `shop-bundle-${bundle.hash.slice(0, 12)}.json`;
    const applyName = `shop-apply-${sha256(applyScript).slice(0, 12)}.sh`;
    const bundlePath = `${home}/${bundleName}`;
    const applyPath = `${home}/${applyName}`;
    const copyBundle = new command.remote.CopyToRemote(
      `${name}-bundle`,
      { connection, source: new pulumi.asset.StringAsset(selfContainedBundle(bundle)), remotePath: bundlePath, triggers: [bundle.hash, args.serverId] },
      { ...child, dependsOn: [cloudInit] },
    );
    const copyApply = new command.remote.CopyToRemote(
      `${name}-apply-script`,
      { connection, source: new pulumi.asset.StringAsset(applyScript), remotePath: applyPath, triggers: [sha256(applyScript), args.serverId] },
      { ...child, dependsOn: [cloudInit] },
    );

    const secretsEnv = secretsEnvOutput(args.secrets, args.extraSecrets);
    this.apply = new command.remote.Command(
      `${name}-apply`,
      {
        connection,
        create:
          `sudo bash ${applyPath} --secrets-stdin ${bundlePath} && ` +
          `find ${home} -maxdepth 1 \\( -name 'shop-bundle-*.json' ! -name '${bundleName}' -o -name 'shop-apply-*.sh' ! -name '${applyName}' \\) -delete`,
        stdin: secretsEnv,
        // shop-apply never prints a secret; stdin itself is never logged and is kept in state
        // only as a secret. Its output (what changed, what restarted) is worth keeping.
        logging: "stdoutAndStderr",
        // A changed bundle re-runs the apply. A rotated secret changes stdin, an input, which
        // re-runs `create` as well; keeping it out of triggers keeps the trigger readable.
        triggers: [bundle.hash, args.serverId],
        addPreviousOutputInEnv: false,
      },
      { ...child, dependsOn: [copyBundle, copyApply] },
    );
    this.registerOutputs({ bundleHash: bundle.hash });
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface ConvergeHostsArgs {
  spec: ShopSpec;
  nodes: ShopNode[];
  privateKey: pulumi.Input<string>;
  secrets: SecretMap;
  /** Per-host secrets from other concerns, by host name (e.g. backups: Storage Box passwords). */
  hostSecrets?: Record<string, SecretMap>;
  /** What must exist before the first SSH login, e.g. the Cloud Firewall that admits the deployer. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * One HostConverge per node, each a direct child of `parent` (the composing component).
 * Replicas wait for the primary, which creates their replication user.
 */
export function convergeHosts(args: ConvergeHostsArgs, parent: pulumi.Resource): HostConverge[] {
  const ordered = [...args.nodes].sort((a, b) => rank(a.spec) - rank(b.spec));
  const byName = new Map<string, HostConverge>();
  for (const node of ordered) {
    const bundle = renderHostBundle(args.spec, node.spec);
    const primary = node.spec.roles.includes("db-replica") ? byName.get(dbPrimary(args.spec).name) : undefined;
    const converge = new HostConverge(
      `${node.spec.name}-converge`,
      {
        bundle,
        host: node.server.ipv4Address,
        serverId: node.server.id,
        privateKey: args.privateKey,
        secrets: secretsFor(bundle, args.secrets),
        extraSecrets: args.hostSecrets?.[node.spec.name],
      },
      { parent, dependsOn: [node.attachment, ...(args.dependsOn ?? []), ...(primary ? [primary] : [])] },
    );
    byName.set(node.spec.name, converge);
  }
  return args.nodes.map((n) => byName.get(n.spec.name)!);
}

/**
 * Least privilege (SEC-2): a host receives only the shared secrets its renderers declare
 * (HostBundle.secrets, each file's explicit list), never one that a file's text merely
 * mentions, so naming a secret in a comment or key comment ships nothing. Per-host extras
 * always go along.
 */
export function secretsFor(bundle: HostBundle, secrets: SecretMap): SecretMap {
  return Object.fromEntries(bundle.secrets.filter((name) => name in secrets).map((name) => [name, secrets[name]]));
}

/** The primary first, so a replica's bootstrap finds its replication user. */
function rank(node: NodeSpec): number {
  return node.roles.includes("db-primary") ? 0 : 1;
}
