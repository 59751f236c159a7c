import { labelsOf, ofType, str, T } from "./resources";
import {
  CLOUDFLARE_PRO_USD_MONTH,
  loadBalancerPrices,
  OBJECT_STORAGE_EUR_MONTH,
  OBJECT_STORAGE_HOST,
  PRICE_SOURCE,
  PRICE_TABLE_MAX_AGE_MONTHS,
  PRICES_AS_OF,
  PRIMARY_IPV4_EUR_MONTH,
  SERVER_BACKUP_SURCHARGE,
  serverPrices,
  storageBoxPrices,
} from "./prices";
import { l } from "./text";
import type { CheckContext, Localized } from "./types";

export interface CostLine {
  item: Localized;
  resource: string;
  amount: number;
  currency: "EUR" | "USD";
}

export interface CostEstimate {
  lines: CostLine[];
  /** The EUR lines; USD lines (Cloudflare) are summed in totalUsdMonth. */
  totalEurMonth: number;
  totalUsdMonth: number;
  pricesAsOf: string;
  /** Whole months between the price table's date and the report's; over the limit, the audit warns. */
  ageMonths: number;
  stale: boolean;
  source: string;
  /** Declared things the table has no price for (they count as 0). */
  unpriced: string[];
}

const round = (n: number) => Math.round(n * 100) / 100;

function monthsBetween(from: string, to: Date): number {
  const a = new Date(`${from}T00:00:00Z`);
  const months = (to.getUTCFullYear() - a.getUTCFullYear()) * 12 + (to.getUTCMonth() - a.getUTCMonth());
  return to.getUTCDate() < a.getUTCDate() ? months - 1 : months;
}

/** Monthly cost of the declared resources and the paid services the stack uses, from the dated price table. */
export function estimateCost(ctx: CheckContext, today: Date): CostEstimate {
  const lines: CostLine[] = [];
  const unpriced: string[] = [];
  const eur = (item: Localized, resource: string, amount: number) => lines.push({ item, resource, amount, currency: "EUR" });
  for (const s of ofType(ctx, T.server)) {
    const type = str(s.inputs.serverType);
    const price = serverPrices[type];
    if (!price) {
      unpriced.push(`${s.name} (${type})`);
      continue;
    }
    eur(l(`server ${type}`, `Server ${type}`), s.name, price.eurMonth);
    const pct = SERVER_BACKUP_SURCHARGE * 100;
    if (s.inputs.backups === true) eur(l(`server backups (+${pct}%)`, `Serverbackups (+${pct} %)`), s.name, round(price.eurMonth * SERVER_BACKUP_SURCHARGE));
    const nets = (s.inputs.publicNets as { ipv4Enabled?: boolean }[] | undefined) ?? [{ ipv4Enabled: true }];
    if (nets.some((n) => n.ipv4Enabled !== false)) eur(l("primary IPv4", "Primäre IPv4"), s.name, PRIMARY_IPV4_EUR_MONTH);
  }
  for (const lb of ofType(ctx, T.loadBalancer)) {
    const type = str(lb.inputs.loadBalancerType);
    if (loadBalancerPrices[type] === undefined) unpriced.push(`${lb.name} (${type})`);
    else eur(l(`load balancer ${type}`, `Loadbalancer ${type}`), lb.name, loadBalancerPrices[type]);
  }
  for (const box of ofType(ctx, T.storageBox)) {
    const type = str(box.inputs.storageBoxType);
    if (!storageBoxPrices[type]) unpriced.push(`${box.name} (${type})`);
    else eur(l(`Storage Box ${type}`, `Storage Box ${type}`), box.name, storageBoxPrices[type].eurMonth);
  }
  // shop:media is required: Shopware keeps its shared files in the bucket (D7).
  const { media } = ctx.spec;
  const mediaHost = /^https:\/\/([^/]+)/.exec(media.endpoint)?.[1] ?? media.endpoint;
  if (OBJECT_STORAGE_HOST.test(mediaHost))
    eur(
      l("Object Storage base price (1 TB storage + 1 TB traffic included; once per project)", "Object Storage Grundpreis (1 TB Speicher + 1 TB Traffic inklusive; einmal pro Projekt)"),
      media.bucket,
      OBJECT_STORAGE_EUR_MONTH,
    );
  else unpriced.push(`S3 bucket ${media.bucket} at ${mediaHost}`);
  if (ctx.spec.monitoring.cloudflareHealthchecks)
    for (const d of ctx.spec.domains)
      lines.push({ item: l("Cloudflare Pro plan (Health Checks need a paid plan)", "Cloudflare-Pro-Tarif (Health Checks brauchen einen bezahlten Tarif)"), resource: d.zone, amount: CLOUDFLARE_PRO_USD_MONTH, currency: "USD" });
  const sum = (c: CostLine["currency"]) => round(lines.filter((x) => x.currency === c).reduce((acc, x) => acc + x.amount, 0));
  const ageMonths = monthsBetween(PRICES_AS_OF, today);
  return {
    lines,
    totalEurMonth: sum("EUR"),
    totalUsdMonth: sum("USD"),
    pricesAsOf: PRICES_AS_OF,
    ageMonths,
    stale: ageMonths > PRICE_TABLE_MAX_AGE_MONTHS,
    source: PRICE_SOURCE,
    unpriced,
  };
}

/**
 * Expected restic volume on the Storage Box, an estimate with stated assumptions:
 * DB hosts back up dumps of about half their disk, app hosts about a tenth (shared/ and /etc;
 * media live in object storage), and every retained snapshot adds 2 % churn.
 */
export const BACKUP_ASSUMPTIONS = { dbShareOfDisk: 0.5, appShareOfDisk: 0.1, churnPerSnapshot: 0.02 };

export interface StorageQuota {
  box?: string;
  storageBoxType?: string;
  capacityGb?: number;
  expectedGb: number;
  retainedSnapshots: number;
}

export function storageQuota(ctx: CheckContext): StorageQuota {
  const r = ctx.spec.backup.retention;
  const retainedSnapshots = r.hourly + r.daily + r.weekly + r.monthly;
  let base = 0;
  for (const s of ofType(ctx, T.server)) {
    const disk = serverPrices[str(s.inputs.serverType)]?.diskGb ?? 0;
    base += disk * (labelsOf(s)["db-role"] ? BACKUP_ASSUMPTIONS.dbShareOfDisk : BACKUP_ASSUMPTIONS.appShareOfDisk);
  }
  const expectedGb = Math.round(base * (1 + BACKUP_ASSUMPTIONS.churnPerSnapshot * retainedSnapshots));
  const box = ofType(ctx, T.storageBox)[0];
  if (!box) return { expectedGb, retainedSnapshots };
  const type = str(box.inputs.storageBoxType);
  return { box: box.name, storageBoxType: type, capacityGb: storageBoxPrices[type]?.capacityGb, expectedGb, retainedSnapshots };
}
