import { labelsOf, ofType, str, T } from "./resources";
import {
  loadBalancerPrices,
  PRICE_SOURCE,
  PRICES_AS_OF,
  PRIMARY_IPV4_EUR_MONTH,
  SERVER_BACKUP_SURCHARGE,
  serverPrices,
  storageBoxPrices,
} from "./prices";
import type { CheckContext } from "./types";

export interface CostLine {
  item: string;
  resource: string;
  eurMonth: number;
}

export interface CostEstimate {
  lines: CostLine[];
  totalEurMonth: number;
  pricesAsOf: string;
  source: string;
  /** Declared things the table has no price for (they count as 0). */
  unpriced: string[];
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Monthly cost of the declared resources, from the dated price table. */
export function estimateCost(ctx: CheckContext): CostEstimate {
  const lines: CostLine[] = [];
  const unpriced: string[] = [];
  for (const s of ofType(ctx, T.server)) {
    const type = str(s.inputs.serverType);
    const price = serverPrices[type];
    if (!price) {
      unpriced.push(`${s.name} (${type})`);
      continue;
    }
    lines.push({ item: `server ${type}`, resource: s.name, eurMonth: price.eurMonth });
    if (s.inputs.backups === true) lines.push({ item: `server backups (+${SERVER_BACKUP_SURCHARGE * 100}%)`, resource: s.name, eurMonth: round(price.eurMonth * SERVER_BACKUP_SURCHARGE) });
    const nets = (s.inputs.publicNets as { ipv4Enabled?: boolean }[] | undefined) ?? [{ ipv4Enabled: true }];
    if (nets.some((n) => n.ipv4Enabled !== false)) lines.push({ item: "primary IPv4", resource: s.name, eurMonth: PRIMARY_IPV4_EUR_MONTH });
  }
  for (const lb of ofType(ctx, T.loadBalancer)) {
    const type = str(lb.inputs.loadBalancerType);
    if (loadBalancerPrices[type] === undefined) unpriced.push(`${lb.name} (${type})`);
    else lines.push({ item: `load balancer ${type}`, resource: lb.name, eurMonth: loadBalancerPrices[type] });
  }
  for (const box of ofType(ctx, T.storageBox)) {
    const type = str(box.inputs.storageBoxType);
    if (!storageBoxPrices[type]) unpriced.push(`${box.name} (${type})`);
    else lines.push({ item: `Storage Box ${type}`, resource: box.name, eurMonth: storageBoxPrices[type].eurMonth });
  }
  return { lines, totalEurMonth: round(lines.reduce((sum, l) => sum + l.eurMonth, 0)), pricesAsOf: PRICES_AS_OF, source: PRICE_SOURCE, unpriced };
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
