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
