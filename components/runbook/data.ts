import { AUTOMATION_USER } from "../config";
import { dbDumpHost } from "../hostconfig/backup";
import { renderHostBundle } from "../hostconfig/bundle";
import type { BundleFile } from "../hostconfig/types";
import { SHOP_CURRENT, SHOP_DB_NAME, SHOP_SHARED, workerUnitNames } from "../hostconfig/shopware";
import { HEALTH_CHECK_PATH } from "../config";
import { appNodes, dbPrimary, liveReplicas, phpFpmUnit, ShopSpec } from "../config";

/** A host as the runbook lists it: every fact someone on call needs to reach it. */
export interface RunbookHost {
  name: string;
  roles: string[];
  serverType: string;
  /** The image and what it ships: mid-upgrade, hosts run two Debian releases. */
  image: string;
  /** This host's PHP-FPM unit (its image's PHP branch); null off the app role. */
  phpFpmUnit: string | null;
  location: string;
  publicIpv4: string;
  publicIpv6: string;
  privateIp: string;
  rebootTime: string;
  scheduler: boolean;
  /** The systemd units whose journal tells what the host's services did, as its bundle installs them. */
  logUnits: string[];
  /** Shopware's worker units on this host, each by name (empty on DB nodes). */
  workers: string[];
}

export interface HealthCheckFacts {
  path: string;
  interval: number;
  retries: number;
  failoverSeconds: number;
}

export interface RunbookContact {
  role: "owner" | "onCall" | "agency" | "hoster";
  name: string;
  phone: string;
  email: string;
}

/** The runbook's facts (OPS-2): the stack output `runbook`, rendered to runbook.md by renderRunbook. */
export interface RunbookData {
  stack: string;
  customer: string;
  environment: string;
  appUrl: string;
  hostnames: string[];
  shopware: string;
  contacts: RunbookContact[];
  hosts: RunbookHost[];
  loadBalancer: { name: string; type: string; ipv4: string; ipv6: string; privateIp: string; healthCheck: HealthCheckFacts };
  access: {
    sshFrom: string[];
    users: { name: string; role: string; expires?: string; comment?: string }[];
    automationUser: string;
    adminAllowlist: string[];
  };
  /** The Shopware database and the env file whose DATABASE_URL names the primary. */
  database: { name: string; primary: string; replicas: string[]; outOfService: string[]; envFile: string };
  backups: {
    serverBackups: boolean;
    storageBoxType: string;
    location: string;
    schedules: { db: string; files: string; media: string | null; check: string };
    retention: { hourly: number; daily: number; weekly: number; monthly: number };
    dumpHost: string;
  };
  dns: { proxied: boolean; target: string };
  /** Where shop-health and the backups send alerts: names and types only (the URLs are secrets). */
  alerts: {
    webhooks: { name: string; type: string }[];
    repeatMinutes: number;
    backupHeartbeat: boolean;
    monitoringHeartbeat: boolean;
    cloudflareHealthchecks: boolean;
    checkly: { locations: string[]; frequencyMinutes: number } | null;
  };
  /** The Shopware release every app node serves, and the user PHP runs as. */
  shop: { current: string; user: string };
  deploy: { order: string[]; schedulerHost: string };
  updates: { automaticReboot: boolean; windows: { host: string; time: string }[] };
}

/** Resolved host facts from the stack outputs (public IPs exist only after the servers do). */
export interface HostAddresses {
  name: string;
  publicIpv4: string;
  publicIpv6: string;
}

/** Units the bundle restarts or reloads, with each timer replaced by the service it starts (that one logs). */
export function logUnitsOf(files: BundleFile[]): string[] {
  const units = new Set<string>();
  for (const f of files)
    for (const r of f.restarts ?? []) {
      const unit = r.replace(/^reload:/, "");
      if (unit.startsWith("systemd-")) continue;
      if (unit.endsWith(".timer")) {
        const timer = files.find((x) => x.path === `/etc/systemd/system/${unit}`);
        units.add(/^Unit=(\S+)$/m.exec(timer?.content ?? "")?.[1] ?? unit.replace(/\.timer$/, ".service"));
      } else units.add(unit);
    }
  return [...units];
}

export function buildRunbook(spec: ShopSpec, hosts: HostAddresses[], lb: { ipv4: string; ipv6: string }): RunbookData {
  const addressOf = new Map(hosts.map((h) => [h.name, h]));
  const contacts: RunbookContact[] = (["owner", "onCall", "agency", "hoster"] as const).flatMap((role) => {
    const c = spec.contacts[role];
    return c ? [{ role, name: c.name, phone: c.phone, email: c.email }] : [];
  });
  const replicas = liveReplicas(spec);
  const apps = appNodes(spec);
  return {
    stack: spec.stack,
    customer: spec.customer,
    environment: spec.environment,
    appUrl: spec.appUrl,
    hostnames: spec.hostnames,
    shopware: spec.shopware.version,
    contacts,
    hosts: spec.nodes.map((n) => ({
      name: n.name,
      roles: n.roles,
      serverType: n.serverType,
      image: `${n.image} (PHP ${n.os.php}, MariaDB ${n.os.mariadb})`,
      phpFpmUnit: n.roles.includes("app") ? phpFpmUnit(n) : null,
      location: n.location,
      publicIpv4: addressOf.get(n.name)?.publicIpv4 ?? "unknown",
      publicIpv6: addressOf.get(n.name)?.publicIpv6 ?? "unknown",
      privateIp: n.privateIp,
      rebootTime: n.rebootTime,
      scheduler: n.scheduler,
      logUnits: logUnitsOf(renderHostBundle(spec, n).files),
      workers: workerUnitNames(n),
    })),
    loadBalancer: {
      name: spec.loadBalancer.name,
      type: spec.loadBalancer.type,
      ipv4: lb.ipv4,
      ipv6: lb.ipv6,
      privateIp: spec.network.lbPrivateIp,
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        interval: spec.loadBalancer.healthCheck.interval,
        retries: spec.loadBalancer.healthCheck.retries,
        failoverSeconds: spec.loadBalancer.failoverSeconds,
      },
    },
    access: {
      sshFrom: spec.sshCidrs,
      users: spec.users.map((u) => ({ name: u.name, role: u.role, ...(u.expires ? { expires: u.expires } : {}), ...(u.comment ? { comment: u.comment } : {}) })),
      automationUser: AUTOMATION_USER,
      adminAllowlist: spec.access.adminAllowlist,
    },
    database: { name: SHOP_DB_NAME, primary: dbPrimary(spec).name, replicas: replicas.map((n) => n.name), outOfService: spec.database.outOfService, envFile: `${SHOP_SHARED}/.env.local` },
    backups: {
      serverBackups: spec.serverBackups,
      storageBoxType: spec.backup.storageBoxType,
      location: spec.backup.location,
      schedules: {
        db: spec.backup.dbSchedule,
        files: spec.backup.filesSchedule,
        media: spec.backup.mediaMirror ? spec.backup.mediaSchedule : null,
        check: spec.backup.checkSchedule,
      },
      retention: spec.backup.retention,
      // The host that takes the DB dumps: its repository holds them.
      dumpHost: dbDumpHost(spec).name,
    },
    dns: { proxied: spec.dns.proxied, target: spec.dns.target },
    alerts: {
      webhooks: spec.monitoring.webhooks.map((h) => ({ name: h.name, type: h.type })),
      repeatMinutes: spec.monitoring.thresholds.alertRepeatMinutes,
      backupHeartbeat: spec.backup.heartbeatUrl !== undefined,
      monitoringHeartbeat: spec.monitoring.heartbeatUrl !== undefined,
      cloudflareHealthchecks: spec.monitoring.cloudflareHealthchecks,
      checkly: spec.monitoring.checkly ? { locations: [...spec.monitoring.checkly.locations], frequencyMinutes: spec.monitoring.checkly.frequencyMinutes } : null,
    },
    shop: { current: SHOP_CURRENT, user: "www-data" },
    deploy: { order: apps.map((n) => n.name), schedulerHost: apps.find((n) => n.scheduler)?.name ?? apps[0].name },
    updates: { automaticReboot: spec.updates.automaticReboot, windows: spec.nodes.map((n) => ({ host: n.name, time: n.rebootTime })) },
  };
}
