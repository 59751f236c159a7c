import { z } from "zod";
import { CHECKLY_FREQUENCIES, CHECKLY_LOCATIONS, images, loadBalancerTypes, networkZoneOf, serverTypes, storageBoxTypes } from "./catalog";
import { calendarProblem } from "./calendar";
import { isAlignedCidr, isCidr, isIp, isPublicIp, isWorldOpen } from "./net";
import { SecretString } from "./secret";
import { CONTROL_CHARACTER } from "./text";

/**
 * The stack file's `shop:*` keys. Every message here is phrased as what is allowed,
 * because the error formatter prints "found <value>; allowed: <message>".
 */

const slug = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, { error: "3–32 characters of a-z, 0-9 and '-', starting with a letter" });

const cidr = z
  .string()
  .refine(isCidr, { error: "a CIDR such as 198.51.100.7/32 or 2001:db8::/64 (IPv4 as four decimal octets without leading zeros)", abort: true })
  .refine(isAlignedCidr, { error: "a CIDR that starts at its network's first address (no host bits set), such as 10.10.1.0/24 rather than 10.10.1.220/24" });
const cidrList = z.array(cidr);
/** Sources that never get a waiver (SSH, node_exporter, the /admin allow-list): never world-open. */
const boundedCidr = cidr.refine((c) => !isWorldOpen(c), {
  error: "a range no wider than /8 (IPv4) or /16 (IPv6); anything wider counts as world-open",
});
const boundedCidrList = z.array(boundedCidr);
/** One line of free text (names, comments, descriptions, waivers): it reaches host files and reports. */
const oneLine = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((v) => !CONTROL_CHARACTER.test(v), { error: `one line of ${min}–${max} characters without control characters` });
const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, { error: "a lower-case DNS name such as shop.example.de" });
/** Exported for CLI flags that become these keys (new-customer --domain, --zone-id). */
export const dnsNameSchema = hostname;
const label = z.string().regex(/^(@|\*|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/, { error: "'@', '*' or one DNS label such as b2b" });
const email = z.string().max(254).regex(/^[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,63}$/, { error: "an e-mail address" });
const phone = z.string().regex(/^\+[0-9][0-9 ()/-]{5,20}$/, { error: "a phone number in international form, such as +49 30 1234567" });
/** Date.parse rolls 2027-02-30 over to March: only a date that formats back to itself exists. */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: "a date as YYYY-MM-DD", abort: true }).refine((d) => {
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(d);
}, {
  error: "a date that exists, as YYYY-MM-DD",
});
/** A node by its name without the stack prefix, as `npm run failover` writes it: db-2, or app-2 in profile small. */
export const NODE_NAME = /^(app|db)-[1-9]\d?$/;
const imageName = z.enum(Object.keys(images) as [string, ...string[]], { error: `${Object.keys(images).join(" or ")}` });
const dbNodeName = z.string().regex(NODE_NAME, { error: "a database node's name without the stack prefix, such as db-2 (profile small: app-2)" });
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "a time of day as HH:MM (24 h)" });
const percent = z.number().min(1).max(100);
const waiverReason = z.string().min(10, { error: "a reason of at least 10 characters", abort: true }).pipe(oneLine(10, 500));
/** The forms calendar.ts understands, each of which `systemd-analyze calendar` accepts (test/render). */
const onCalendar = z
  .string()
  .regex(/^[A-Za-z0-9*:,./~ -]{3,80}$/, { error: "a systemd OnCalendar expression such as hourly or *-*-* 02:30:00", abort: true })
  .superRefine((v, ctx) => {
    const why = calendarProblem(v);
    if (why) ctx.addIssue({ code: "custom", message: why });
  });
/** A port as nftables and the Hetzner API take it: 1–65535, a range low-high with low < high, or any. */
const portSpec = z
  .string()
  .regex(/^(any|[1-9]\d{0,4}(-[1-9]\d{0,4})?)$/, { error: "a port such as 443, a range such as 8000-8100, or any", abort: true })
  .refine(
    (p) => {
      if (p === "any") return true;
      const [lo, hi] = p.split("-").map(Number);
      return lo <= 65535 && (hi === undefined || (hi <= 65535 && lo < hi));
    },
    { error: "ports 1–65535, and a range's first port below its last" },
  );
/** Megabytes as PHP writes them ("768M"), without leading zeros. */
const megabytes = (min: number, max: number, example: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,5}M$/, { error: `megabytes such as ${example}`, abort: true })
    .refine((v) => parseInt(v, 10) >= min && parseInt(v, 10) <= max, { error: `between ${min}M and ${max}M` });

export const secretValue = z.custom<SecretString>((v) => v instanceof SecretString, {
  error: "a secure value: set it with `pulumi config set --secret --path <key> <value>`",
});

const sshPublicKey = z
  .string()
  .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]{40,}={0,3}( [^\u0000-\u001f\u007f\u2028\u2029]{0,200})?$/, {
    error: "an OpenSSH public key line (ssh-ed25519 AAAA… comment) on one line",
  });

const contact = z.strictObject({
  name: oneLine(2, 100),
  email,
  phone,
});

export const roleNames = ["admin", "deploy", "readonly"] as const;

const user = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_-]{1,30}$/, { error: "a Linux user name: a-z first, then a-z, 0-9, '_' or '-', 2–31 characters" }),
  role: z.enum(roleNames),
  sshKeys: z.array(sshPublicKey).min(1, { error: "at least one SSH public key" }),
  expires: isoDate.optional(),
  /** Full name or ticket, shown in the runbook and audit. */
  comment: oneLine(1, 200).optional(),
});

const firewallRule = z.strictObject({
  description: oneLine(3, 200),
  direction: z.enum(["in"]).default("in"),
  protocol: z.enum(["tcp", "udp", "icmp"]),
  port: portSpec.optional(),
  sourceIps: cidrList.min(1),
  /** Required to open 22, 3306 or 6379 to the world; shown in the audit. */
  waiver: waiverReason.optional(),
  /** The firewall roles the rule opens on (Hetzner firewall and host nftables); app unless named. */
  roles: z.array(z.enum(["app", "db"])).min(1).default(["app"]),
});

const webhook = z.strictObject({
  name: slug,
  type: z.enum(["slack", "teams", "pagerduty", "generic"]),
  url: secretValue,
  /** PagerDuty Events v2 integration key. */
  routingKey: secretValue.optional(),
});

export const zoneIdSchema = z.string().regex(/^[0-9a-f]{32}$/, { error: "a Cloudflare zone id (32 lower-case hex characters)" });
export const adminCidrSchema = boundedCidr;

const domain = z.strictObject({
  zone: hostname,
  /** Cloudflare zone id: 32 hex characters. */
  zoneId: zoneIdSchema,
  apex: z.boolean().default(true),
  www: z.boolean().default(true),
  extraHosts: z.array(label).default([]),
});

const locationName = z.enum(Object.keys(networkZoneOf) as [string, ...string[]]);
const serverTypeName = z.enum(Object.keys(serverTypes) as [string, ...string[]]);

export const stackConfigSchema = z.strictObject({
  customer: slug,
  environment: z.enum(["production", "staging"]).default("production"),
  profile: z.enum(["small", "standard", "large"]).default("standard"),
  /** App node count; defaults by profile (small/standard: 2, large: 3). */
  appNodes: z.number().int().min(1).max(30).optional(),
  locations: z.array(locationName).min(1).max(3).default(["fsn1"]),
  /**
   * Image and Shopware version have no default. Both were debian-12 / 6.6.10.4 until the table's
   * current pair (debian-13, Shopware 6.7) became what new-customer writes: a changed image
   * replaces every server, so a stack that relied on the old default says what it runs instead
   * of silently getting the new one.
   */
  image: z.enum(Object.keys(images) as [string, ...string[]], {
    error: (issue) => (issue.input === undefined ? `${Object.keys(images).join(" or ")}, stated in the stack file (required): a stack from before debian-13 runs debian-12, and a changed image replaces every server; npm run new-customer writes debian-13` : undefined),
  }),
  /**
   * Per-node image, by node name without the stack prefix: the nodes listed run this image,
   * every other node runs shop:image. A changed entry replaces that one server (delete, then
   * create under the same name), so an upgrade moves one node at a time (README "Upgrade path").
   */
  nodeImages: z.record(z.string().regex(NODE_NAME, { error: "a node's name without the stack prefix, such as app-3 or db-2" }), imageName).default({}),
  shopwareVersion: z
    .string({ error: (issue) => (issue.input === undefined ? "the Shopware version the shop runs, such as 6.7.13.0, stated in the stack file (required): a stack from before Shopware 6.7 runs 6.6.10.4 unless it says otherwise" : undefined) })
    .regex(/^6\.\d+\.\d+\.\d+$/, { error: "a full Shopware version such as 6.6.10.4" }),
  serverTypes: z
    .strictObject({
      app: serverTypeName.default("ccx23"),
      db: serverTypeName.default("ccx23"),
    })
    .prefault({}),
  network: z
    .strictObject({
      ipRange: cidr.default("10.10.0.0/16"),
      subnet: cidr.default("10.10.1.0/24"),
    })
    .prefault({}),
  loadBalancer: z
    .strictObject({
      type: z.enum(Object.keys(loadBalancerTypes) as [string, ...string[]]).default("lb11"),
      algorithm: z.enum(["least_connections", "round_robin"]).default("least_connections"),
      healthCheck: z
        .strictObject({
          interval: z.number().int().min(3).max(60).default(3),
          timeout: z.number().int().min(1).max(60).default(2),
          retries: z.number().int().min(1).max(5).default(3),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Delete + rebuild protection; defaults to on in production. */
  protection: z.boolean().optional(),
  /** Hetzner's daily server backups (7 slots, +20 % price). */
  serverBackups: z.boolean().default(true),
  domains: z.array(domain).min(1),
  dns: z
    .strictObject({
      proxied: z.boolean().default(true),
      /** `lb`, or an external IPv4 address that keeps traffic on the old host until cutover. */
      target: z
        .string()
        .refine((v) => v === "lb" || (isIp(v) && isPublicIp(v)), {
          error: "lb, or a public IPv4/IPv6 address (not unspecified, loopback, private, link-local, multicast or reserved)",
        })
        .default("lb"),
      /** nginx only serves Cloudflare's ranges; defaults to `proxied`. */
      cloudflareOnly: z.boolean().optional(),
    })
    .prefault({}),
  adminCidrs: boundedCidrList.min(1, { error: "at least one admin CIDR (SSH is closed to everything else)" }),
  /** Where `pulumi up` runs from: converge connects over SSH from there. */
  deployerCidrs: boundedCidrList.default([]),
  /** Who may scrape node_exporter (9100). */
  monitoringCidrs: boundedCidrList.default([]),
  contacts: z.strictObject({
    owner: contact,
    onCall: contact,
    agency: contact.optional(),
    hoster: contact.optional(),
  }),
  users: z.array(user).default([]),
  access: z
    .strictObject({
      /** When set, Cloudflare only lets these addresses reach /admin. */
      adminAllowlist: boundedCidrList.default([]),
    })
    .prefault({}),
  firewall: z.strictObject({ extraRules: z.array(firewallRule).default([]) }).prefault({}),
  backup: z
    .strictObject({
      storageBoxType: z.enum(storageBoxTypes).default("bx11"),
      /** Defaults to the first location. */
      location: locationName.optional(),
      dbSchedule: onCalendar.default("hourly"),
      filesSchedule: onCalendar.default("*-*-* 01:30:00"),
      mediaSchedule: onCalendar.default("*-*-* 02:30:00"),
      checkSchedule: onCalendar.default("Sun *-*-* 04:00:00"),
      randomizedDelaySec: z.number().int().min(0).max(3600).default(300),
      mediaMirror: z.boolean().default(true),
      retention: z
        .strictObject({
          hourly: z.number().int().min(0).max(168).default(24),
          daily: z.number().int().min(1).max(90).default(7),
          weekly: z.number().int().min(0).max(52).default(4),
          monthly: z.number().int().min(0).max(36).default(6),
        })
        .prefault({}),
      /** healthchecks-style URL: /start, /fail and /<exit code> are appended. */
      heartbeatUrl: secretValue.optional(),
      /** Share of the data read back by the weekly `restic check`. */
      checkReadDataSubset: z.string().regex(/^([1-9]\d?|100)%$/, { error: "a percentage from 1% to 100%, such as 5%" }).default("5%"),
    })
    .prefault({}),
  monitoring: z
    .strictObject({
      webhooks: z.array(webhook).default([]),
      /** Production without webhooks is rejected unless this says why. */
      webhooksWaiver: waiverReason.optional(),
      /** Dead-man's switch (required): healthchecks-style URL; every host pings /start, then the URL or /fail, each minute. */
      heartbeatUrl: secretValue.optional(),
      cloudflareHealthchecks: z.boolean().default(false),
      /** Checkly API checks of the health endpoint from several public locations (free plan); credentials are the provider's checkly:apiKey and checkly:accountId. */
      checkly: z
        .strictObject({
          locations: z.array(z.enum(CHECKLY_LOCATIONS)).min(1).max(6).default(["eu-central-1", "eu-west-1"]),
          frequencyMinutes: z
            .number()
            .refine((v) => (CHECKLY_FREQUENCIES as readonly number[]).includes(v), { error: `one of Checkly's frequencies: ${CHECKLY_FREQUENCIES.join(", ")} minutes` })
            .default(10),
        })
        .optional(),
      thresholds: z
        .strictObject({
          load1PerCore: z.number().positive().max(50).default(4),
          load5PerCore: z.number().positive().max(50).default(3),
          load15PerCore: z.number().positive().max(50).default(2),
          diskWarnPercent: percent.default(90),
          diskCritPercent: percent.default(95),
          inodePercent: percent.default(90),
          memoryPercent: percent.default(90),
          /** MariaDB connections against max_connections; Redis memory uses memoryPercent against its maxmemory. */
          connectionsPercent: percent.default(80),
          /** Shopware's message queue (messenger_messages): a backlog this long warns, a message this old is critical. */
          queueMessages: z.number().int().min(10).max(10_000_000).default(1000),
          queueAgeMinutes: z.number().int().min(1).max(1440).default(15),
          /** A scheduled task overdue by this many of its own intervals means the scheduler is not working. */
          scheduledTaskMissedRuns: z.number().int().min(2).max(100).default(3),
          replicationLagSeconds: z.number().int().min(1).max(86400).default(60),
          certExpiryDays: z.number().int().min(1).max(90).default(14),
          alertRepeatMinutes: z.number().int().min(5).max(1440).default(60),
        })
        .prefault({}),
    })
    .prefault({}),
  php: z
    .strictObject({
      memoryLimit: megabytes(128, 65536, "768M").default("768M"),
      maxExecutionTime: z.number().int().min(30).max(600).default(60),
      uploadMaxFilesize: megabytes(1, 65536, "128M").default("128M"),
    })
    .prefault({}),
  media: z.strictObject({
    endpoint: z.string().regex(/^https:\/\/([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:[1-9]\d{0,4})?\/?$/, { error: "an https endpoint such as https://fsn1.your-objectstorage.com" }),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "an S3 bucket name" }),
    region: z.string().regex(/^[a-z0-9][a-z0-9-]{1,30}$/, { error: "an S3 region such as fsn1 (2–31 of a-z, 0-9 and '-')" }).default("fsn1"),
    publicUrl: z
      .string()
      .regex(/^https:\/\/([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:[1-9]\d{0,4})?(\/[A-Za-z0-9._~%/-]*)?$/, { error: "an https URL such as https://media.example.de/shop (host, optional port and path of a-z, 0-9, . _ ~ % / -)" })
      .optional(),
    accessKey: secretValue,
    secretKey: secretValue,
  }),
  /**
   * Outgoing mail (order confirmations). Hetzner Cloud blocks outbound 25 and 465, so the DSN
   * submits to a relay on 587 (or uses a provider's HTTP API). The records go into the zone of
   * the sender's domain, which must be one of shop:domains.
   */
  mail: z
    .strictObject({
      dsn: secretValue,
      sender: email,
      spf: z.string().max(450).regex(/^v=spf1( [A-Za-z0-9:._/+=~?-]+)+$/, { error: "an SPF record such as \"v=spf1 include:spf.example.net -all\"" }).optional(),
      dkim: z
        .array(
          z.strictObject({
            selector: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: "a DNS label such as mail2026" }),
            value: z.string().max(2048).regex(/^v=DKIM1;[ A-Za-z0-9;=+/]+$/, { error: "a DKIM record such as \"v=DKIM1; k=rsa; p=MIIB…\"" }),
          }),
        )
        .max(4)
        .default([]),
      dmarc: z.string().max(450).regex(/^v=DMARC1;( ?[a-z]+=[A-Za-z0-9:@._!,%+-]+;?)+$/, { error: "a DMARC record such as \"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.de\"" }).optional(),
    })
    .optional(),
  /**
   * The database roles as they are now. `npm run failover` records a promoted replica as
   * `primary` and the old primary in `outOfService` (no reads, no replication source, firewalled
   * off from the app nodes) until `--rebuild` re-seeds it. Unset: the first database node leads.
   */
  database: z
    .strictObject({
      primary: dbNodeName.optional(),
      outOfService: z.array(dbNodeName).max(4).default([]),
    })
    .prefault({}),
  /** Shopware APP_SECRET; generated when unset. */
  appSecret: secretValue.optional(),
  updates: z
    .strictObject({
      /** First reboot slot; each node gets its own hour after it. */
      rebootWindowStart: clock.default("02:00"),
      automaticReboot: z.boolean().default(true),
    })
    .prefault({}),
});

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type UserConfig = z.infer<typeof user>;
export type FirewallRuleConfig = z.infer<typeof firewallRule>;
export type ContactConfig = z.infer<typeof contact>;
export type Role = (typeof roleNames)[number];

/** Leaves that hold secrets; `[]` stands for every element of an array. */
export const secretPaths = [
  "appSecret",
  "media.accessKey",
  "media.secretKey",
  "monitoring.webhooks[].url",
  "monitoring.webhooks[].routingKey",
  "monitoring.heartbeatUrl",
  "backup.heartbeatUrl",
  "mail.dsn",
] as const;

/** Secrets without which the real engine cannot deploy; offline they become placeholders. */
export const requiredSecretPaths = ["media.accessKey", "media.secretKey", "monitoring.webhooks[].url", "monitoring.heartbeatUrl", "mail.dsn"] as const;
