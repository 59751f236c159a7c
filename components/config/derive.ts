import { images, networkZoneOf, placementGroupLimit, serverTypes } from "./catalog";
import { shopwareLineOf } from "./compat";
import { nthAddress, parseIpv4Cidr } from "./net";
import { roleNames, StackConfig } from "./schema";
import type { DomainSpec, NodeRole, NodeSpec, ShopSpec, WaiverSpec } from "./types";

export const MANAGED_BY = "shop-blueprint";

/** Host offsets inside the subnet: .2 is the LB, app nodes from .11, db nodes from .51. */
const LB_OFFSET = 2;
const APP_OFFSET = 10;
const DB_OFFSET = 50;

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function hoursAfter(start: string, hours: number): string {
  const [h, m] = start.split(":").map(Number);
  return `${String((h + hours) % 24).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

function hostnamesOf(d: StackConfig["domains"][number]): string[] {
  const names: string[] = [];
  if (d.apex) names.push(d.zone);
  if (d.www) names.push(`www.${d.zone}`);
  for (const h of d.extraHosts) names.push(h === "@" ? d.zone : `${h}.${d.zone}`);
  return [...new Set(names)];
}

interface NodeDraft {
  kind: "app" | "db";
  index: number;
  roles: NodeRole[];
  serverType: string;
  location: string;
  offset: number;
}

/** The nodes that hold a database role, by name without the stack prefix (shop:database). */
export function databaseNodeNames(profile: StackConfig["profile"]): string[] {
  return profile === "small" ? ["app-1", "app-2"] : ["db-1", "db-2"];
}

const shortName = (d: { kind: string; index: number }) => `${d.kind}-${d.index}`;

/** A node's name without the stack prefix (`demo-db-2` → `db-2`), as shop:database and npm run failover name it. */
export function shortNodeName(stack: string, name: string): string {
  return name.slice(stack.length + 1);
}

/** Every node's name without the stack prefix, as shop:nodeImages and shop:database name them. */
export function nodeShortNames(config: StackConfig): string[] {
  return draftNodes(config).map(shortName);
}

/** The image a node runs: its shop:nodeImages entry, else shop:image. */
export function imageOf(config: StackConfig, short: string): string {
  return config.nodeImages[short] ?? config.image;
}

function draftNodes(config: StackConfig): NodeDraft[] {
  const locs = config.locations;
  const at = (i: number) => locs[i % locs.length];
  const primary = config.database.primary ?? databaseNodeNames(config.profile)[0];
  const dbRole = (kind: NodeDraft["kind"], index: number): NodeRole => (shortName({ kind, index }) === primary ? "db-primary" : "db-replica");
  if (config.profile === "small") {
    return [1, 2].map((index) => ({ kind: "app", index, roles: ["app", dbRole("app", index)], serverType: config.serverTypes.app, location: at(index - 1), offset: APP_OFFSET + index }));
  }
  const appCount = config.appNodes ?? (config.profile === "large" ? 3 : 2);
  const apps: NodeDraft[] = Array.from({ length: appCount }, (_, i) => ({
    kind: "app",
    index: i + 1,
    roles: ["app"],
    serverType: config.serverTypes.app,
    location: at(i),
    offset: APP_OFFSET + i + 1,
  }));
  const dbs: NodeDraft[] = [1, 2].map((index) => ({
    kind: "db",
    index,
    roles: [dbRole("db", index)],
    serverType: config.serverTypes.db,
    location: at(index - 1),
    offset: DB_OFFSET + index,
  }));
  return [...apps, ...dbs];
}

/** Replicas reboot first, then the primary, then app-only nodes: one hour each, never two at once. */
function rebootOrder(drafts: NodeDraft[]): NodeDraft[] {
  const rank = (d: NodeDraft) => (d.roles.includes("db-replica") ? 0 : d.roles.includes("db-primary") ? 1 : 2);
  return [...drafts].sort((a, b) => rank(a) - rank(b) || a.index - b.index);
}

export function deriveSpec(config: StackConfig, stack: string, project: string): ShopSpec {
  const production = config.environment === "production";
  const subnet = parseIpv4Cidr(config.network.subnet)!;
  const range = parseIpv4Cidr(config.network.ipRange)!;
  const name = (d: NodeDraft) => `${stack}-${d.kind}-${d.index}`;
  const labels = { customer: config.customer, stack, "managed-by": MANAGED_BY };

  const drafts = draftNodes(config);
  const rebootSlot = new Map(rebootOrder(drafts).map((d, i) => [name(d), i]));

  const placementGroups: ShopSpec["placementGroups"] = [];
  const groupOf = new Map<string, string>();
  for (const kind of ["app", "db"] as const) {
    chunk(drafts.filter((d) => d.kind === kind), placementGroupLimit).forEach((members, i) => {
      const group = `${stack}-${kind}-spread-${i + 1}`;
      placementGroups.push({ name: group, members: members.map(name) });
      for (const m of members) groupOf.set(name(m), group);
    });
  }

  const firstApp = drafts.find((d) => d.roles.includes("app"))!;
  const nodes: NodeSpec[] = drafts.map((d) => {
    const dbRole = d.roles.find((r) => r !== "app");
    const image = imageOf(config, shortName(d));
    return {
      name: name(d),
      kind: d.kind,
      image,
      os: images[image],
      index: d.index,
      roles: d.roles,
      serverType: d.serverType,
      facts: serverTypes[d.serverType],
      location: d.location,
      privateIp: nthAddress(subnet, d.offset),
      placementGroup: groupOf.get(name(d))!,
      serverId: 0,
      scheduler: d === firstApp,
      rebootTime: hoursAfter(config.updates.rebootWindowStart, rebootSlot.get(name(d))!),
      labels: {
        ...labels,
        role: d.roles.includes("app") ? "app" : "db",
        ...(dbRole ? { "db-role": dbRole === "db-primary" ? "primary" : "replica" } : {}),
      },
    };
  });
  // MariaDB server_id follows the node, not its role: a failover changes no server_id.
  const dbNames = databaseNodeNames(config.profile);
  for (const n of nodes) n.serverId = dbNames.indexOf(shortName(n)) + 1;

  const domains: DomainSpec[] = config.domains.map((d) => ({ zone: d.zone, zoneId: d.zoneId, hostnames: hostnamesOf(d) }));
  const first = config.domains[0];
  const primaryHost = first.www ? `www.${first.zone}` : domains[0].hostnames[0];
  const hc = config.loadBalancer.healthCheck;

  const waivers: WaiverSpec[] = [
    ...config.firewall.extraRules.flatMap((r, i) =>
      r.waiver ? [{ checkId: "SEC-1", key: `shop:firewall.extraRules[${i}]`, reason: r.waiver }] : [],
    ),
    ...(config.monitoring.webhooksWaiver ? [{ checkId: "HW-3", key: "shop:monitoring.webhooksWaiver", reason: config.monitoring.webhooksWaiver }] : []),
  ];

  return {
    project,
    stack,
    customer: config.customer,
    environment: config.environment,
    production,
    profile: config.profile,
    networkZone: networkZoneOf[config.locations[0]],
    locations: config.locations,
    image: config.image,
    os: images[config.image],
    shopware: { version: config.shopwareVersion, line: shopwareLineOf(config.shopwareVersion) },
    network: {
      ipRange: config.network.ipRange,
      subnet: config.network.subnet,
      gateway: nthAddress(range, 1),
      lbPrivateIp: nthAddress(subnet, LB_OFFSET),
    },
    nodes,
    database: { outOfService: config.database.outOfService.map((short) => `${stack}-${short}`) },
    placementGroups,
    loadBalancer: {
      ...config.loadBalancer,
      name: `${stack}-lb`,
      location: config.locations[0],
      failoverSeconds: hc.interval * hc.retries + hc.timeout,
    },
    protection: config.protection ?? production,
    serverBackups: config.serverBackups,
    domains,
    primaryHost,
    appUrl: `https://${primaryHost}`,
    hostnames: domains.flatMap((d) => d.hostnames),
    dns: { proxied: config.dns.proxied, target: config.dns.target, cloudflareOnly: config.dns.cloudflareOnly ?? config.dns.proxied },
    adminCidrs: config.adminCidrs,
    deployerCidrs: config.deployerCidrs,
    sshCidrs: [...new Set([...config.adminCidrs, ...config.deployerCidrs])],
    monitoringCidrs: config.monitoringCidrs,
    contacts: config.contacts,
    users: config.users,
    roles: roleNames,
    access: config.access,
    firewall: config.firewall,
    backup: { ...config.backup, location: config.backup.location ?? config.locations[0] },
    monitoring: config.monitoring,
    php: config.php,
    media: config.media,
    mail: config.mail,
    appSecret: config.appSecret,
    updates: config.updates,
    waivers,
    labels,
  };
}
