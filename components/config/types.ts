import type { OsFacts, ServerTypeFacts } from "./catalog";
import type { ContactConfig, FirewallRuleConfig, Role, StackConfig, UserConfig } from "./schema";
import type { SecretString } from "./secret";

export type NodeRole = "app" | "db-primary" | "db-replica";

/** One server, fully derived: name, roles, place in the network and in the reboot rota. */
export interface NodeSpec {
  /** `<stack>-app-N` or `<stack>-db-N`, equal to the Hetzner server name. */
  name: string;
  kind: "app" | "db";
  /** The image this server runs (shop:nodeImages, else shop:image) and what that image ships. */
  image: string;
  os: OsFacts;
  /** 1-based index within its kind. */
  index: number;
  roles: NodeRole[];
  serverType: string;
  facts: ServerTypeFacts;
  location: string;
  privateIp: string;
  placementGroup: string;
  /** Unique MariaDB server_id for db roles (1 = primary). */
  serverId: number;
  /** Runs the Shopware scheduled-task runner (exactly one app node, D8). */
  scheduler: boolean;
  /** Daily automatic-reboot time, HH:MM; one hour per node, replica before primary. */
  rebootTime: string;
  labels: Record<string, string>;
}

export interface DomainSpec {
  zone: string;
  zoneId: string;
  /** Fully qualified names served by the shop in this zone. */
  hostnames: string[];
}

/** Expiry is enforced on the host (`chage -E`), so a user locks on time between converges too. */
export type UserSpec = UserConfig;

export interface WaiverSpec {
  checkId: string;
  key: string;
  reason: string;
}

export interface ShopSpec {
  project: string;
  stack: string;
  customer: string;
  environment: StackConfig["environment"];
  production: boolean;
  profile: StackConfig["profile"];
  networkZone: string;
  locations: string[];
  /** shop:image: what every node runs unless shop:nodeImages names another image for it. */
  image: string;
  os: OsFacts;
  shopware: { version: string; line: string };
  network: { ipRange: string; subnet: string; gateway: string; lbPrivateIp: string };
  nodes: NodeSpec[];
  /** Database nodes kept out of service (a failed primary until its re-seed): full node names. */
  database: { outOfService: string[] };
  placementGroups: { name: string; members: string[] }[];
  loadBalancer: StackConfig["loadBalancer"] & { name: string; location: string; failoverSeconds: number };
  protection: boolean;
  serverBackups: boolean;
  domains: DomainSpec[];
  primaryHost: string;
  appUrl: string;
  hostnames: string[];
  dns: { proxied: boolean; target: string; cloudflareOnly: boolean };
  adminCidrs: string[];
  deployerCidrs: string[];
  /** adminCidrs ∪ deployerCidrs: everything that may reach SSH. */
  sshCidrs: string[];
  monitoringCidrs: string[];
  contacts: { owner: ContactConfig; onCall: ContactConfig; agency?: ContactConfig; hoster?: ContactConfig };
  users: UserSpec[];
  roles: readonly Role[];
  access: StackConfig["access"];
  firewall: { extraRules: FirewallRuleConfig[] };
  backup: StackConfig["backup"] & { location: string };
  monitoring: StackConfig["monitoring"];
  php: StackConfig["php"];
  media: StackConfig["media"];
  mail?: StackConfig["mail"];
  appSecret?: SecretString;
  updates: StackConfig["updates"];
  /** Every accepted exception, with its reason, for the audit. */
  waivers: WaiverSpec[];
  labels: Record<string, string>;
}

/** The images the stack's servers run, shop:image first when a node runs it. */
export function imagesInUse(spec: ShopSpec): string[] {
  return [...new Set(spec.nodes.map((n) => n.image))].sort((a, b) => Number(b === spec.image) - Number(a === spec.image));
}

/** Debian's PHP-FPM unit and PHP binary on a node: the PHP branch is its image's. */
export const phpFpmUnit = (node: NodeSpec) => `php${node.os.php}-fpm.service`;
export const phpBinary = (node: NodeSpec) => `/usr/bin/php${node.os.php}`;

export function appNodes(spec: ShopSpec): NodeSpec[] {
  return spec.nodes.filter((n) => n.roles.includes("app"));
}

export function dbPrimary(spec: ShopSpec): NodeSpec {
  const node = spec.nodes.find((n) => n.roles.includes("db-primary"));
  if (!node) throw new Error("spec has no db-primary node");
  return node;
}

export function dbReplicas(spec: ShopSpec): NodeSpec[] {
  return spec.nodes.filter((n) => n.roles.includes("db-replica"));
}

/** Replicas in service: the shop reads from them, backups dump from them, the primary waits for them. */
export function liveReplicas(spec: ShopSpec): NodeSpec[] {
  return dbReplicas(spec).filter((n) => !spec.database.outOfService.includes(n.name));
}

export function isDbNode(node: NodeSpec): boolean {
  return node.roles.includes("db-primary") || node.roles.includes("db-replica");
}

export type DatabaseRole = "primary" | "replica" | "out-of-service";

/** The role the stack gives a DB node's MariaDB (only the primary may be writable); null off the DB tier. */
export function databaseRoleOf(spec: ShopSpec, node: NodeSpec): DatabaseRole | null {
  if (!isDbNode(node)) return null;
  return node.roles.includes("db-primary") ? "primary" : isOutOfService(spec, node) ? "out-of-service" : "replica";
}

export function isOutOfService(spec: ShopSpec, node: NodeSpec): boolean {
  return spec.database.outOfService.includes(node.name);
}
