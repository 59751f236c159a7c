import { appNodes, HEALTH_CHECK_PATH, NodeSpec, phpBinary, phpFpmUnit, ShopSpec } from "../../../components/config";
import { DEPLOY_PROBE_HEADER, HTTP_PORT } from "../../../components/hostconfig/nginx";
import { RELEASE_TOOL } from "../../../components/hostconfig/release";
import { SHOP_DIR } from "../../../components/hostconfig/shopware";
import { consumerCount } from "../../../components/hostconfig/sizing";

/**
 * What a rolling deploy runs on each app node, as the deploy user: every command here is one
 * the deploy role's sudoers drop-in (hostconfig/users.ts) allows, so the host, not this CLI,
 * decides what a deployer may do. Pure: the runner (run.ts) only sends these over SSH.
 */

/** Release ids: what shop-release and the sudoers rules accept (a directory name under releases/). */
export const RELEASE_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{1,63}$/;

/** `20261202T221500Z-3fa9c2d1`: sortable by time, and the content hash tells two builds apart. */
export function releaseId(now: Date, contentHash: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${contentHash.slice(0, 8)}`;
}

/** The nodes a deploy walks, in order: the scheduler's node first, so the deployment helper runs where the scheduler does. */
export function rolloutOrder(spec: ShopSpec): NodeSpec[] {
  const apps = appNodes(spec);
  return [...apps.filter((n) => n.scheduler), ...apps.filter((n) => !n.scheduler)];
}

/**
 * The rollout order once each node's release is known: nodes that serve no release yet (a
 * rebuilt server, README "Upgrade path") go first, since draining them costs nothing, so no
 * serving node is drained while a new one still has nothing to serve. The deployment helper
 * runs on the first node, the scheduler's whenever every node serves.
 */
export function deployOrder<T extends { node: NodeSpec }>(ordered: T[], current: (name: string) => string): T[] {
  return [...ordered.filter((n) => !current(n.node.name)), ...ordered.filter((n) => current(n.node.name))];
}

/**
 * Whether the deploy waits, after undraining node `i`, until the LB sends it traffic: when it
 * served before, and when a node that serves comes after it, since draining that one must not
 * leave the LB without a healthy target (a rebuilt node's rise and the next node's fall race
 * otherwise: lab scenario 40 saw 503s). Only a first deploy of every node skips it.
 */
export function waitsForLb<T extends { node: NodeSpec }>(ordered: T[], i: number, current: (name: string) => string): boolean {
  return ordered.slice(i).some((n) => Boolean(current(n.node.name)));
}

const sudo = (args: string) => `sudo -n ${RELEASE_TOOL} ${args}`;
/** With the node's own PHP: mid-upgrade, nodes on two Debian releases run two PHP branches. */
const asWebServer = (node: NodeSpec, args: string) => `sudo -n -u www-data ${phpBinary(node)} ${args}`;
const releaseDir = (id: string) => `${SHOP_DIR}/releases/${id}`;

export const remote = {
  /** Whoever runs this must be allowed shop-release by sudo: a user without the deploy role stops here. */
  preflight: `set -e; df -Pk ${SHOP_DIR}/releases | awk 'NR==2 {print "free_kib=" $4}'; test -w ${SHOP_DIR}/releases && echo writable=yes || echo writable=no; ${sudo("status")}`,
  status: sudo("status"),
  drain: sudo("drain"),
  undrain: sudo("undrain"),
  maintenance: (on: boolean) => sudo(`maintenance ${on ? "on" : "off"}`),
  /** Unpacks the release the runner streams on stdin; refuses to reuse an id. */
  upload: (id: string) => `set -e; mkdir -- ${releaseDir(id)}; tar -xzf - --no-same-owner --no-same-permissions -C ${releaseDir(id)}`,
  /** A failed upload leaves nothing behind that a later deploy would trip over. */
  removeUpload: (id: string) => `rm -rf -- ${releaseDir(id)}`,
  prepare: (id: string) => sudo(`prepare ${id}`),
  warmCache: (node: NodeSpec, id: string) => asWebServer(node, `${releaseDir(id)}/bin/console cache:warmup --no-interaction`),
  /** Migrations (BLUE_GREEN_DEPLOYMENT=1 in .env.local), theme, assets, plugins: once per deploy. */
  deploymentHelper: (node: NodeSpec, id: string) => asWebServer(node, `${releaseDir(id)}/vendor/bin/shopware-deployment-helper run`),
  activate: (id: string) => sudo(`activate ${id}`),
  reloadPhp: (node: NodeSpec) => `sudo -n /usr/bin/systemctl reload ${phpFpmUnit(node)}`,
  /** The consumers this node runs and the scheduler only where it runs (D8), each restarted by name as sudo allows. */
  restartWorkers: (node: NodeSpec) =>
    [...Array.from({ length: consumerCount(node) }, (_, i) => `shop-consumer@${i + 1}.service`), ...(node.scheduler ? ["shop-scheduler.service"] : [])]
      .map((unit) => `sudo -n /usr/bin/systemctl restart ${unit}`)
      .join(" && "),
  /** The health check through this node's nginx and PHP, past the drain gate (the deploy probe header). */
  probe: (node: NodeSpec) =>
    `curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -H '${DEPLOY_PROBE_HEADER}: deploy' http://${node.privateIp}:${HTTP_PORT}${HEALTH_CHECK_PATH}`,
  /** A storefront request on this node, to see the maintenance page from the node itself. */
  storefrontStatus: (spec: ShopSpec, node: NodeSpec) =>
    `curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -H 'Host: ${spec.primaryHost}' http://${node.privateIp}:${HTTP_PORT}/`,
  prune: (keep: number) => sudo(`prune ${keep}`),
};

/** shop-release status, parsed. */
export interface NodeStatus {
  current: string;
  previous: string;
  drained: boolean;
  maintenance: boolean;
  releases: string[];
  freeKib?: number;
  writable?: boolean;
}

export function parseStatus(text: string): NodeStatus {
  const kv = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+)=(.*)$/.exec(line.trim());
    if (m) kv.set(m[1], m[2]);
  }
  const free = kv.get("free_kib");
  return {
    current: kv.get("current") ?? "",
    previous: kv.get("previous") ?? "",
    drained: kv.get("drained") === "yes",
    maintenance: kv.get("maintenance") === "on",
    releases: (kv.get("releases") ?? "").split(" ").filter(Boolean),
    ...(free !== undefined ? { freeKib: Number(free) } : {}),
    ...(kv.has("writable") ? { writable: kv.get("writable") === "yes" } : {}),
  };
}

/** Room a release needs on a node: itself, its cache and a margin, in KiB. */
export function neededKib(releaseBytes: number): number {
  return Math.ceil((releaseBytes * 2) / 1024) + 256 * 1024;
}

/**
 * The release a rollback returns every node to. A deploy walks the nodes in order and stops at
 * the first failure, so nodes that disagree mean it stopped part-way: the last node in the
 * order was never touched and still runs the release to return to. Nodes that agree all
 * return to the release before it, which they must agree on too. A string says why there is
 * no single answer (then `--to ID` names it).
 */
export function rollbackTarget(statuses: { node: string; status: NodeStatus }[]): { release: string } | { problem: string } {
  const currents = new Set(statuses.map((s) => s.status.current));
  if (currents.size > 1) {
    const last = statuses[statuses.length - 1];
    if (!last.status.current) return { problem: `${last.node} has no current release to return to` };
    return { release: last.status.current };
  }
  const previous = new Set(statuses.map((s) => s.status.previous));
  if (previous.size > 1)
    return { problem: `the nodes recorded different previous releases (${statuses.map((s) => `${s.node}: ${s.status.previous || "none"}`).join(", ")}); name one with --to ID` };
  const [release] = previous;
  if (!release) return { problem: "no previous release is recorded on the nodes; nothing to roll back to" };
  return { release };
}
