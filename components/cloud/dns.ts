import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { isIp, parseIpv4, ShopSpec } from "../config";

/**
 * Zone settings for Cloudflare's "Full (strict)" mode in front of the origin certificate (D5).
 * They are zone-wide and act at once, so they follow the cutover: declared only with
 * `dns.target: lb`. Before it the old origin keeps whatever the zone had (with "strict" an old
 * host without a strict-valid certificate would get 526 errors). Deleting a ZoneSetting is a
 * no-op in the provider: flipping back to an IP leaves these values in place.
 */
export const zoneSettings: { settingId: string; value: string }[] = [
  { settingId: "ssl", value: "strict" },
  { settingId: "always_use_https", value: "on" },
  { settingId: "min_tls_version", value: "1.2" },
];

export interface ShopDnsArgs {
  spec: ShopSpec;
  lbIpv4: pulumi.Input<string>;
  lbIpv6: pulumi.Input<string>;
}

interface RecordPlan {
  type: "A" | "AAAA";
  content: pulumi.Input<string>;
}

/** Where the shop's names point: the LB, or (before a cutover, OPS-4) the old host's address. */
export function recordTargets(target: string, lbIpv4: pulumi.Input<string>, lbIpv6: pulumi.Input<string>): RecordPlan[] {
  if (target === "lb")
    return [
      { type: "A", content: lbIpv4 },
      { type: "AAAA", content: lbIpv6 },
    ];
  if (!isIp(target)) throw new Error(`dns.target ${target} is neither lb nor an IP address`);
  return [{ type: parseIpv4(target) === undefined ? "AAAA" : "A", content: target }];
}

/** A mail record in the sender's zone: SPF at the apex, DKIM under <selector>._domainkey, DMARC at _dmarc. */
export interface MailRecord {
  zoneId: string;
  name: string;
  content: string;
  /** Resource name, stable per record: changing a value updates it in place. */
  id: string;
}

/** TXT content as quoted strings of at most 255 characters each (RFC 1035 §3.3.14): a 2048-bit DKIM key needs two. */
export function txtContent(value: string): string {
  return (value.match(/.{1,255}/g) ?? [""]).map((chunk) => `"${chunk}"`).join(" ");
}

/** The stack's SPF, DKIM and DMARC records, when given; validation put the sender in one of the zones. */
export function mailRecords(spec: ShopSpec): MailRecord[] {
  const mail = spec.mail;
  if (!mail) return [];
  const domainName = mail.sender.split("@")[1].toLowerCase();
  const zone = spec.domains.find((d) => d.zone === domainName);
  if (!zone) return [];
  return [
    ...(mail.spf ? [{ id: `${domainName}-mail-spf`, name: domainName, content: mail.spf }] : []),
    ...mail.dkim.map((k) => ({ id: `${domainName}-mail-dkim-${k.selector}`, name: `${k.selector}._domainkey.${domainName}`, content: k.value })),
    ...(mail.dmarc ? [{ id: `${domainName}-mail-dmarc`, name: `_dmarc.${domainName}`, content: mail.dmarc }] : []),
  ].map((r) => ({ ...r, zoneId: zone.zoneId }));
}

/** Whether the stack owns the zone settings: only once its names point at the LB. */
export function managesZoneSettings(spec: ShopSpec): boolean {
  return spec.dns.target === "lb";
}

/**
 * Proxied records (ttl 1 = automatic) for every hostname, and, once they point at the LB,
 * strict TLS per zone. Flipping `dns.target` changes record contents in place: a cutover or a
 * rollback takes seconds. The settings wait for the zone's records, so "strict" never applies
 * while a name still points at the old host.
 */
export class ShopDns extends pulumi.ComponentResource {
  readonly records: cloudflare.DnsRecord[] = [];
  readonly settings: cloudflare.ZoneSetting[] = [];

  constructor(name: string, args: ShopDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:ShopDns", name, {}, opts);
    const { spec } = args;
    const targets = recordTargets(spec.dns.target, args.lbIpv4, args.lbIpv6);
    for (const domain of spec.domains) {
      const zoneRecords: cloudflare.DnsRecord[] = [];
      for (const host of domain.hostnames)
        for (const t of targets)
          zoneRecords.push(
            new cloudflare.DnsRecord(
              `${host}-${t.type}`,
              {
                zoneId: domain.zoneId,
                name: host,
                type: t.type,
                content: t.content,
                proxied: spec.dns.proxied,
                ttl: spec.dns.proxied ? 1 : 60,
                comment: `${spec.customer}/${spec.stack}: managed by the shop blueprint`,
              },
              { parent: this },
            ),
          );
      this.records.push(...zoneRecords);
      if (managesZoneSettings(spec))
        for (const s of zoneSettings)
          this.settings.push(
            new cloudflare.ZoneSetting(
              `${domain.zone}-${s.settingId}`,
              { zoneId: domain.zoneId, settingId: s.settingId, value: s.value },
              { parent: this, dependsOn: zoneRecords },
            ),
          );
    }
    for (const r of mailRecords(spec))
      this.records.push(
        new cloudflare.DnsRecord(
          r.id,
          { zoneId: r.zoneId, name: r.name, type: "TXT", content: txtContent(r.content), ttl: 3600, proxied: false, comment: `${spec.customer}/${spec.stack}: mail, managed by the shop blueprint` },
          { parent: this },
        ),
      );
    this.registerOutputs({ records: this.records.map((r) => r.name) });
  }
}
