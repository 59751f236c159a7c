/**
 * Hetzner list prices for the monthly cost estimate (HW-5, "Nutzung des Tarif- oder Hostingmodell").
 * Net EUR per month, location Germany/Finland, excluding VAT, as published on
 * hetzner.com/cloud and hetzner.com/storage/storage-box. The cx23–53 and cpx12–62 figures are the
 * ones announced with the Oct 2025 lines and were NOT re-checked against the live price list;
 * update PRICES_AS_OF whenever a figure changes.
 */
export const PRICES_AS_OF = "2025-10-15";
export const PRICE_SOURCE = "hetzner.com/cloud, hetzner.com/storage/storage-box, docs.hetzner.com/storage/object-storage (net EUR/month, DE/FI locations, excl. VAT); cloudflare.com/plans (USD)";

/** Monthly price and local disk of each server type. */
export const serverPrices: Record<string, { eurMonth: number; diskGb: number }> = {
  ccx13: { eurMonth: 12.49, diskGb: 80 },
  ccx23: { eurMonth: 24.49, diskGb: 160 },
  ccx33: { eurMonth: 48.49, diskGb: 240 },
  ccx43: { eurMonth: 96.49, diskGb: 360 },
  ccx53: { eurMonth: 192.49, diskGb: 600 },
  ccx63: { eurMonth: 288.49, diskGb: 960 },
  cx23: { eurMonth: 2.99, diskGb: 40 },
  cx33: { eurMonth: 4.99, diskGb: 80 },
  cx43: { eurMonth: 8.99, diskGb: 160 },
  cx53: { eurMonth: 16.99, diskGb: 320 },
  cpx12: { eurMonth: 4.49, diskGb: 40 },
  cpx22: { eurMonth: 5.99, diskGb: 80 },
  cpx32: { eurMonth: 10.49, diskGb: 160 },
  cpx42: { eurMonth: 18.99, diskGb: 320 },
  cpx52: { eurMonth: 26.49, diskGb: 480 },
  cpx62: { eurMonth: 36.49, diskGb: 640 },
  cax11: { eurMonth: 3.79, diskGb: 40 },
  cax21: { eurMonth: 6.49, diskGb: 80 },
  cax31: { eurMonth: 12.49, diskGb: 160 },
  cax41: { eurMonth: 24.49, diskGb: 320 },
};

/** Hetzner's server backups: 7 daily slots for 20 % of the server price. */
export const SERVER_BACKUP_SURCHARGE = 0.2;

export const loadBalancerPrices: Record<string, number> = { lb11: 5.39, lb21: 16.4, lb31: 32.9 };

/** Storage Box price and capacity. */
export const storageBoxPrices: Record<string, { eurMonth: number; capacityGb: number }> = {
  bx11: { eurMonth: 3.2, capacityGb: 1000 },
  bx21: { eurMonth: 10.9, capacityGb: 5000 },
  bx31: { eurMonth: 20.8, capacityGb: 10000 },
  bx41: { eurMonth: 40.6, capacityGb: 20000 },
};

/** A primary IPv4 on a server; IPv6 and the LB's own addresses cost nothing extra. */
export const PRIMARY_IPV4_EUR_MONTH = 0.5;

/**
 * Hetzner Object Storage (shop:media on *.your-objectstorage.com): the monthly base price, billed
 * once per project however many buckets, with 1 TB storage and 1 TB traffic included; more is
 * billed per TB-hour (docs.hetzner.com/storage/object-storage/overview, "Pricing").
 */
export const OBJECT_STORAGE_EUR_MONTH = 5.0;
export const OBJECT_STORAGE_HOST = /\.your-objectstorage\.com$/;

/**
 * Cloudflare Health Checks need a paid plan (Pro or higher) on the zone; Pro is USD 25 per zone and
 * month billed monthly (cloudflare.com/plans). Cloudflare bills in USD, so it is summed apart.
 */
export const CLOUDFLARE_PRO_USD_MONTH = 25;

/** Older price tables get a warning in every audit: list prices change. */
export const PRICE_TABLE_MAX_AGE_MONTHS = 6;
