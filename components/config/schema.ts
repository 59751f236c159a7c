import { z } from "zod";
import { images, loadBalancerTypes, networkZoneOf, serverTypes, storageBoxTypes } from "./catalog";
import { isCidr, isIp } from "./net";
import { SecretString } from "./secret";

/**
 * The stack file's `shop:*` keys. Every message here is phrased as what is allowed,
 * because the error formatter prints "found <value>; allowed: <message>".
 */

const slug = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, { error: "3–32 characters of a-z, 0-9 and '-', starting with a letter" });

const cidr = z.string().refine(isCidr, { error: "a CIDR such as 198.51.100.7/32 or 2001:db8::/64" });
const cidrList = z.array(cidr);
const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, { error: "a lower-case DNS name such as shop.example.de" });
const label = z.string().regex(/^(@|\*|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/, { error: "'@', '*' or one DNS label such as b2b" });
const email = z.string().regex(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i, { error: "an e-mail address" });
const phone = z.string().regex(/^\+[0-9][0-9 ()/-]{5,20}$/, { error: "a phone number in international form, such as +49 30 1234567" });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: "a date as YYYY-MM-DD" }).refine((d) => !Number.isNaN(Date.parse(d)), {
  error: "a real calendar date as YYYY-MM-DD",
});
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "a time of day as HH:MM (24 h)" });
const percent = z.number().min(1).max(100);
const waiverReason = z.string().min(10, { error: "a reason of at least 10 characters" });
/** systemd OnCalendar expressions are checked for real by systemd-analyze; here only their alphabet. */
const onCalendar = z.string().regex(/^[A-Za-z0-9*:,./~ -]{3,80}$/, { error: "a systemd OnCalendar expression such as hourly or *-*-* 02:30:00" });

export const secretValue = z.custom<SecretString>((v) => v instanceof SecretString, {
  error: "a secure value: set it with `pulumi config set --secret --path <key> <value>`",
});

const sshPublicKey = z
  .string()
  .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]{40,}={0,3}( [^\r\n]*)?$/, {
    error: "an OpenSSH public key line (ssh-ed25519 AAAA… comment)",
  });

const contact = z.strictObject({
  name: z.string().min(2),
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
  comment: z.string().optional(),
});

const firewallRule = z.strictObject({
  description: z.string().min(3),
  direction: z.enum(["in"]).default("in"),
  protocol: z.enum(["tcp", "udp", "icmp"]),
  port: z
    .string()
    .regex(/^(\d{1,5}(-\d{1,5})?|any)$/, { error: "a port such as 443, a range such as 8000-8100, or any" })
    .optional(),
  sourceIps: cidrList.min(1),
  /** Required to open 22, 3306 or 6379 to the world; shown in the audit. */
  waiver: waiverReason.optional(),
});

const webhook = z.strictObject({
  name: slug,
  type: z.enum(["slack", "teams", "pagerduty", "generic"]),
  url: secretValue,
  /** PagerDuty Events v2 integration key. */
  routingKey: secretValue.optional(),
});

const domain = z.strictObject({
  zone: hostname,
  /** Cloudflare zone id: 32 hex characters. */
  zoneId: z.string().regex(/^[0-9a-f]{32}$/, { error: "a Cloudflare zone id (32 lower-case hex characters)" }),
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
  image: z.enum(Object.keys(images) as [string, ...string[]]).default("debian-12"),
  shopwareVersion: z
    .string()
    .regex(/^6\.\d+\.\d+\.\d+$/, { error: "a full Shopware version such as 6.6.10.4" })
    .default("6.6.10.4"),
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
      target: z.union([z.literal("lb"), z.string().refine((v) => isIp(v), { error: "lb or an IPv4/IPv6 address" })]).default("lb"),
      /** nginx only serves Cloudflare's ranges; defaults to `proxied`. */
      cloudflareOnly: z.boolean().optional(),
    })
    .prefault({}),
  adminCidrs: cidrList.min(1, { error: "at least one admin CIDR (SSH is closed to everything else)" }),
  /** Where `pulumi up` runs from: converge connects over SSH from there. */
  deployerCidrs: cidrList.default([]),
  /** Who may scrape node_exporter (9100). */
  monitoringCidrs: cidrList.default([]),
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
      adminAllowlist: cidrList.default([]),
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
      checkReadDataSubset: z.string().regex(/^\d{1,2}%$/, { error: "a percentage such as 5%" }).default("5%"),
    })
    .prefault({}),
  monitoring: z
    .strictObject({
      webhooks: z.array(webhook).default([]),
      /** Production without webhooks is rejected unless this says why. */
      webhooksWaiver: waiverReason.optional(),
      heartbeatUrl: secretValue.optional(),
      cloudflareHealthchecks: z.boolean().default(false),
      thresholds: z
        .strictObject({
          load1PerCore: z.number().positive().max(50).default(4),
          load5PerCore: z.number().positive().max(50).default(3),
          load15PerCore: z.number().positive().max(50).default(2),
          diskWarnPercent: percent.default(90),
          diskCritPercent: percent.default(95),
          inodePercent: percent.default(90),
          memoryPercent: percent.default(90),
          replicationLagSeconds: z.number().int().min(1).max(86400).default(60),
          certExpiryDays: z.number().int().min(1).max(90).default(14),
          alertRepeatMinutes: z.number().int().min(5).max(1440).default(60),
        })
        .prefault({}),
    })
    .prefault({}),
  php: z
    .strictObject({
      memoryLimit: z.string().regex(/^\d+M$/, { error: "megabytes such as 768M" }).default("768M"),
      maxExecutionTime: z.number().int().min(30).max(600).default(60),
      uploadMaxFilesize: z.string().regex(/^\d+M$/, { error: "megabytes such as 128M" }).default("128M"),
    })
    .prefault({}),
  media: z.strictObject({
    endpoint: z.string().regex(/^https:\/\/[^\s/]+\/?$/, { error: "an https endpoint such as https://fsn1.your-objectstorage.com" }),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "an S3 bucket name" }),
    region: z.string().min(2).default("fsn1"),
    publicUrl: z.string().regex(/^https:\/\/\S+$/, { error: "an https URL" }).optional(),
    accessKey: secretValue,
    secretKey: secretValue,
  }),
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
] as const;

/** Secrets without which the real engine cannot deploy; offline they become placeholders. */
export const requiredSecretPaths = ["media.accessKey", "media.secretKey", "monitoring.webhooks[].url"] as const;
