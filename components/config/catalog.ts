/**
 * Facts about Hetzner and Debian that the spec derives values from.
 * Sources: Hetzner Cloud docs (server types, locations), Debian package tracker.
 */

export const networkZoneOf: Record<string, string> = {
  fsn1: "eu-central",
  nbg1: "eu-central",
  hel1: "eu-central",
  ash: "us-east",
  hil: "us-west",
  sin: "ap-southeast",
};

export interface ServerTypeFacts {
  cores: number;
  memoryGb: number;
  /** Dedicated vCPU (CCX line); everything else is shared vCPU. */
  dedicated: boolean;
  arch: "x86" | "arm";
}

/** Current lines only: cx22–52 and cpx11–51 were deprecated in Oct 2025. */
export const serverTypes: Record<string, ServerTypeFacts> = {
  ccx13: { cores: 2, memoryGb: 8, dedicated: true, arch: "x86" },
  ccx23: { cores: 4, memoryGb: 16, dedicated: true, arch: "x86" },
  ccx33: { cores: 8, memoryGb: 32, dedicated: true, arch: "x86" },
  ccx43: { cores: 16, memoryGb: 64, dedicated: true, arch: "x86" },
  ccx53: { cores: 32, memoryGb: 128, dedicated: true, arch: "x86" },
  ccx63: { cores: 48, memoryGb: 192, dedicated: true, arch: "x86" },
  cx23: { cores: 2, memoryGb: 4, dedicated: false, arch: "x86" },
  cx33: { cores: 4, memoryGb: 8, dedicated: false, arch: "x86" },
  cx43: { cores: 8, memoryGb: 16, dedicated: false, arch: "x86" },
  cx53: { cores: 16, memoryGb: 32, dedicated: false, arch: "x86" },
  // cpx12–62 sizes as announced with the Oct 2025 line; not confirmed against the API.
  cpx12: { cores: 1, memoryGb: 2, dedicated: false, arch: "x86" },
  cpx22: { cores: 2, memoryGb: 4, dedicated: false, arch: "x86" },
  cpx32: { cores: 4, memoryGb: 8, dedicated: false, arch: "x86" },
  cpx42: { cores: 8, memoryGb: 16, dedicated: false, arch: "x86" },
  cpx52: { cores: 12, memoryGb: 24, dedicated: false, arch: "x86" },
  cpx62: { cores: 16, memoryGb: 32, dedicated: false, arch: "x86" },
  cax11: { cores: 2, memoryGb: 4, dedicated: false, arch: "arm" },
  cax21: { cores: 4, memoryGb: 8, dedicated: false, arch: "arm" },
  cax31: { cores: 8, memoryGb: 16, dedicated: false, arch: "arm" },
  cax41: { cores: 16, memoryGb: 32, dedicated: false, arch: "arm" },
};

export interface OsFacts {
  codename: string;
  php: string;
  mariadb: string;
  redis: string;
}

/** What each supported image ships; PHP/MariaDB/Redis come from Debian's own archive. */
export const images: Record<string, OsFacts> = {
  "debian-12": { codename: "bookworm", php: "8.2", mariadb: "10.11", redis: "7.0" },
  "debian-13": { codename: "trixie", php: "8.4", mariadb: "11.8", redis: "8.0" },
};

/** lb11 and lb21 limits (services, targets, certificates). */
export const loadBalancerTypes: Record<string, { services: number; targets: number; certificates: number }> = {
  lb11: { services: 5, targets: 25, certificates: 10 },
  lb21: { services: 15, targets: 75, certificates: 25 },
  lb31: { services: 30, targets: 150, certificates: 50 },
};

export const storageBoxTypes = ["bx11", "bx21", "bx31", "bx41"] as const;

/** Spread placement groups hold at most 10 servers. */
export const placementGroupLimit = 10;

/** The account converge logs in as; it has no password and only its Pulumi-generated key. */
export const AUTOMATION_USER = "shopops";

/** nginx's client_max_body_size on the app nodes: PHP's upload_max_filesize must fit inside it. */
export const NGINX_CLIENT_MAX_BODY_MB = 128;

/** Shopware's own health endpoint (6.5.5+): 200, empty body, no auth. */
export const HEALTH_CHECK_PATH = "/api/_info/health-check";

/**
 * Checkly's public check locations (AWS region codes) and the frequencies an API check may run
 * at, in minutes (checklyhq.com docs, "Global locations" and "Check frequency").
 */
export const CHECKLY_LOCATIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
  "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1",
  "me-south-1", "af-south-1", "ap-south-1", "ap-east-1", "ap-southeast-1", "ap-southeast-2",
  "ap-southeast-3", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
] as const;
export const CHECKLY_FREQUENCIES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440] as const;
/** API check runs a month on Checkly's free (Hobby) plan. */
export const CHECKLY_FREE_RUNS_PER_MONTH = 10_000;

/** Runs a month of one API check from `locations` every `frequencyMinutes` (a 30-day month). */
export function checklyRunsPerMonth(c: { locations: readonly string[]; frequencyMinutes: number }): number {
  return Math.ceil((c.locations.length * 30 * 24 * 60) / c.frequencyMinutes);
}
