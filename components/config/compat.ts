import { images, OsFacts } from "./catalog";

/**
 * Shopware ↔ PHP ↔ MariaDB ↔ Redis matrix (SW-2), from Shopware's system requirements.
 * A PHP version can carry the first Shopware release that supports it.
 */
interface ShopwareLine {
  php: { version: string; since?: string }[];
  mariadbMin: string;
  redisMin: string;
}

export const shopwareMatrix: Record<string, ShopwareLine> = {
  "6.5": {
    php: [{ version: "8.1" }, { version: "8.2" }, { version: "8.3", since: "6.5.7.0" }],
    mariadbMin: "10.3",
    redisMin: "6.2",
  },
  "6.6": {
    php: [{ version: "8.2" }, { version: "8.3" }, { version: "8.4", since: "6.6.10.0" }],
    mariadbMin: "10.11",
    redisMin: "7.0",
  },
  "6.7": {
    php: [{ version: "8.2" }, { version: "8.3" }, { version: "8.4" }],
    mariadbMin: "10.11",
    redisMin: "7.0",
  },
};

export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function shopwareLineOf(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

/** Why a Shopware version cannot run on an image, or undefined when it can. */
export function incompatibility(shopwareVersion: string, os: OsFacts): string | undefined {
  const line = shopwareMatrix[shopwareLineOf(shopwareVersion)];
  if (!line) return `Shopware ${shopwareLineOf(shopwareVersion)} is not in the matrix`;
  const php = line.php.find((p) => p.version === os.php);
  if (!php) return `PHP ${os.php} is not supported by Shopware ${shopwareLineOf(shopwareVersion)}`;
  if (php.since && compareVersions(shopwareVersion, php.since) < 0)
    return `PHP ${os.php} needs Shopware ${php.since} or later`;
  if (compareVersions(os.mariadb, line.mariadbMin) < 0) return `MariaDB ${os.mariadb} is older than ${line.mariadbMin}`;
  if (compareVersions(os.redis, line.redisMin) < 0) return `Redis ${os.redis} is older than ${line.redisMin}`;
  return undefined;
}

/** Every supported (Shopware line, image) pair, for error messages and the audit. */
export function supportedCombinations(): string[] {
  const out: string[] = [];
  for (const [lineName, line] of Object.entries(shopwareMatrix)) {
    for (const [image, os] of Object.entries(images)) {
      const php = line.php.find((p) => p.version === os.php);
      if (!php) continue;
      if (incompatibility(php.since ?? `${lineName}.0.0`, os)) continue;
      out.push(`Shopware ${php.since ? `≥${php.since}` : lineName} on ${image} (PHP ${os.php}, MariaDB ${os.mariadb})`);
    }
  }
  return out;
}
