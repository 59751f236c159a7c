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
    this.registerOutputs({ records: this.records.map((r) => r.name) });
  }
}
