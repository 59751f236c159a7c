import { images } from "./catalog";
import { compareVersions, shopwareLineOf } from "./compat";

/**
 * The dated lifecycle table (SW-1, SW-2): when each piece the stack runs stops getting security
 * fixes, with the page each date comes from. `rechecked` says whether the date was re-checked
 * against that source (or a copy of it) when the table was last edited (2026-12-02); the others
 * are as the issue filed them from endoflife.date / Shopware's releases.json in August 2026.
 * Edit dates here only; the checklist, the plan's warnings and the README read this file.
 */
export interface LifecycleEntry {
  /** What ends, as the audit names it (English, German). */
  what: { en: string; de: string };
  /** ISO date (UTC): the last day of support. */
  end: string;
  /** The page the date comes from. */
  source: string;
  /** The page the date was re-checked against (false: as filed, not re-checked). */
  rechecked: string | false;
  /** What a stack on this moves to (the README's "Upgrade path"), English and German. */
  upgradeTo: { en: string; de: string };
  /**
   * "fail": after the end the checklist row fails. "warn": after the end it only warns, because
   * something else still carries security fixes (Debian LTS after regular support).
   */
  afterEnd: "fail" | "warn";
}

/**
 * Not re-checked: the newest releases.json reachable here (shopware/shopware commit 00fb9c47, it
 * ends at 6.7.0.0) predates the issue's August 2026 copy and still says 2026-02-28 (6.5.8),
 * 2027-02-28 (6.6.10, 6.7.0); Shopware moved those ends later since, so the newer dates stand.
 */
const SHOPWARE_SOURCE = "https://github.com/shopware/shopware/blob/trunk/releases.json";
const SHOPWARE_TARGET = { en: "Shopware 6.7 (shop:shopwareVersion 6.7.13.0) on debian-13", de: "Shopware 6.7 (shop:shopwareVersion 6.7.13.0) auf debian-13" };
const NEXT = (what: string) => ({ en: `the next ${what} once the table knows it`, de: `die nächste ${what}-Version, sobald die Tabelle sie kennt` });
const DEBIAN_LTS = "https://wiki.debian.org/LTS";
/** Re-checked against this page: it quotes Debian's release information as of 2026-07-03. */
const DEBIAN_RECHECK = "https://www.debian.club/en/eol";
const PHP_SOURCE = "https://www.php.net/supported-versions.php";

/** Shopware lines: security support of each line (releases.json `security_eol`/extended). */
export const shopwareLines: Record<string, LifecycleEntry & { newestPatch?: string; newestPatchDate?: string }> = {
  "6.5": {
    what: { en: "Shopware 6.5 (6.5.8.x) security support", de: "Shopware 6.5 (6.5.8.x) Sicherheitsupdates" },
    end: "2027-02-28",
    source: SHOPWARE_SOURCE,
    rechecked: false,
    upgradeTo: SHOPWARE_TARGET,
    afterEnd: "fail",
  },
  "6.6": {
    what: { en: "Shopware 6.6 (6.6.10.x) security support", de: "Shopware 6.6 (6.6.10.x) Sicherheitsupdates" },
    end: "2028-02-28",
    source: SHOPWARE_SOURCE,
    rechecked: false,
    upgradeTo: SHOPWARE_TARGET,
    afterEnd: "fail",
    newestPatch: "6.6.10.22",
    newestPatchDate: "2026-08-05",
  },
  "6.7": {
    what: { en: "Shopware 6.7 security support", de: "Shopware 6.7 Sicherheitsupdates" },
    end: "2028-02-28",
    source: SHOPWARE_SOURCE,
    rechecked: false,
    upgradeTo: NEXT("Shopware"),
    afterEnd: "fail",
    newestPatch: "6.7.13.0",
    newestPatchDate: "2026-08-05",
  },
};

/** PHP branches: upstream security support (php.net supported-versions, endoflife.date/php). */
export const phpBranches: Record<string, LifecycleEntry> = {
  "8.2": {
    what: { en: "PHP 8.2 upstream security support", de: "PHP 8.2 Sicherheitsupdates (upstream)" },
    end: "2026-12-31",
    source: PHP_SOURCE,
    rechecked: "https://github.com/php/php-src/releases/tag/php-8.2.35",
    upgradeTo: { en: "PHP 8.4 with shop:image debian-13", de: "PHP 8.4 mit shop:image debian-13" },
    afterEnd: "fail",
  },
  "8.4": {
    what: { en: "PHP 8.4 upstream security support", de: "PHP 8.4 Sicherheitsupdates (upstream)" },
    end: "2028-12-31",
    source: PHP_SOURCE,
    rechecked: "https://xdevspace.com/news/php/php-release-cycle-update",
    upgradeTo: NEXT("Debian"),
    afterEnd: "fail",
  },
};

/** Debian releases: regular security support (security team) and LTS. */
export const debianReleases: Record<string, { regular: LifecycleEntry; lts: LifecycleEntry }> = {
  "debian-12": {
    regular: {
      what: { en: "Debian 12 (bookworm) regular security support", de: "Debian 12 (bookworm) reguläre Sicherheitsupdates" },
      end: "2026-07-11",
      source: "https://www.debian.org/releases/bookworm/",
      rechecked: DEBIAN_RECHECK,
      upgradeTo: { en: "shop:image debian-13", de: "shop:image debian-13" },
      afterEnd: "warn",
    },
    lts: {
      what: { en: "Debian 12 (bookworm) LTS", de: "Debian 12 (bookworm) LTS" },
      end: "2028-06-30",
      source: DEBIAN_LTS,
      rechecked: DEBIAN_RECHECK,
      upgradeTo: { en: "shop:image debian-13", de: "shop:image debian-13" },
      afterEnd: "fail",
    },
  },
  "debian-13": {
    regular: {
      what: { en: "Debian 13 (trixie) regular security support", de: "Debian 13 (trixie) reguläre Sicherheitsupdates" },
      end: "2028-08-09",
      source: "https://www.debian.org/releases/trixie/",
      rechecked: DEBIAN_RECHECK,
      upgradeTo: NEXT("Debian"),
      afterEnd: "warn",
    },
    lts: {
      what: { en: "Debian 13 (trixie) LTS", de: "Debian 13 (trixie) LTS" },
      end: "2030-06-30",
      source: DEBIAN_LTS,
      rechecked: DEBIAN_RECHECK,
      upgradeTo: NEXT("Debian"),
      afterEnd: "fail",
    },
  },
};

/** MariaDB series as Debian ships them: upstream maintenance end (endoflife.date/mariadb). */
export const mariadbSeries: Record<string, LifecycleEntry> = {
  "10.11": {
    what: { en: "MariaDB 10.11 upstream maintenance", de: "MariaDB 10.11 Wartung (upstream)" },
    end: "2028-02-16",
    source: "https://endoflife.date/mariadb",
    rechecked: false,
    upgradeTo: { en: "MariaDB 11.8 with shop:image debian-13", de: "MariaDB 11.8 mit shop:image debian-13" },
    afterEnd: "fail",
  },
  "11.8": {
    what: { en: "MariaDB 11.8 upstream maintenance", de: "MariaDB 11.8 Wartung (upstream)" },
    end: "2028-06-04",
    source: "https://endoflife.date/mariadb",
    rechecked: false,
    upgradeTo: NEXT("Debian"),
    afterEnd: "fail",
  },
};

/**
 * Redis/Valkey as Debian ships them. Upstream Redis 7.0 is out of maintenance, so the package's
 * fixes come from Debian alone: its end is the release's LTS end (source: the Debian LTS page).
 */
export const redisSeries: Record<string, LifecycleEntry> = {
  "7.0": {
    what: { en: "Redis 7.0 (Debian 12 package, fixed by Debian only)", de: "Redis 7.0 (Debian-12-Paket, nur von Debian gepflegt)" },
    end: "2028-06-30",
    source: DEBIAN_LTS,
    rechecked: DEBIAN_RECHECK,
    upgradeTo: { en: "Redis 8.0 / Valkey 8.1 with shop:image debian-13", de: "Redis 8.0 / Valkey 8.1 mit shop:image debian-13" },
    afterEnd: "fail",
  },
  "8.0": {
    what: { en: "Redis 8.0 (Debian 13 package)", de: "Redis 8.0 (Debian-13-Paket)" },
    end: "2030-06-30",
    source: DEBIAN_LTS,
    rechecked: DEBIAN_RECHECK,
    upgradeTo: NEXT("Debian"),
    afterEnd: "fail",
  },
};

/** Warnings start this many months before an end. */
export const WARN_MONTHS = 6;

export type LifecycleState = "supported" | "ending" | "ended";

export interface LifecycleStatus {
  /** Which rule judges it: SW-1 (the image's software) or SW-2 (the Shopware line). */
  rule: "SW-1" | "SW-2";
  entry: LifecycleEntry;
  state: LifecycleState;
  /** Whole days from today to the end (negative once it has passed). */
  daysLeft: number;
}

const DAY_MS = 86_400_000;

/** The day WARN_MONTHS before an ISO date (same day of month, clamped to the month's end). */
export function warnFrom(end: string): string {
  const [y, m, d] = end.split("-").map(Number);
  const month = m - 1 - WARN_MONTHS;
  const first = new Date(Date.UTC(y, month, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, lastDay))).toISOString().slice(0, 10);
}

function statusOf(rule: LifecycleStatus["rule"], entry: LifecycleEntry, today: Date): LifecycleStatus {
  const day = today.toISOString().slice(0, 10);
  const daysLeft = Math.round((Date.parse(entry.end) - Date.parse(day)) / DAY_MS);
  const state: LifecycleState = day > entry.end ? "ended" : day >= warnFrom(entry.end) ? "ending" : "supported";
  return { rule, entry, state, daysLeft };
}

/** Every dated item a stack on these images (each once) and this Shopware version depends on, as of `today`. */
export function lifecycleOf(imagesInUse: string[], shopwareVersion: string, today: Date): LifecycleStatus[] {
  const entries: [LifecycleStatus["rule"], LifecycleEntry | undefined][] = imagesInUse.flatMap((image) => {
    const os = images[image];
    const debian = debianReleases[image];
    return [
      ["SW-1", debian?.regular],
      ["SW-1", debian?.lts],
      ["SW-1", os && phpBranches[os.php]],
      ["SW-1", os && mariadbSeries[os.mariadb]],
      ["SW-1", os && redisSeries[os.redis]],
    ] as [LifecycleStatus["rule"], LifecycleEntry | undefined][];
  });
  entries.push(["SW-2", shopwareLines[shopwareLineOf(shopwareVersion)]]);
  const known = entries.filter((e): e is [LifecycleStatus["rule"], LifecycleEntry] => e[1] !== undefined);
  return [...new Map(known.map(([rule, e]) => [e, rule])).entries()].map(([e, rule]) => statusOf(rule, e, today));
}

/** Does this status fail its checklist row? (Ended, and nothing else carries the fixes.) */
export function lifecycleFails(s: LifecycleStatus): boolean {
  return s.state === "ended" && s.entry.afterEnd === "fail";
}

/** One line for the plan and the audit: the item, its end, how far away, and the upgrade target. */
export function lifecycleLine(s: LifecycleStatus): string {
  const when =
    s.state === "ended" ? `ended on ${s.entry.end} (${-s.daysLeft} day(s) ago)` : `ends on ${s.entry.end} (in ${s.daysLeft} day(s))`;
  return `${s.entry.what.en} ${when}; upgrade to ${s.entry.upgradeTo.en} (README "Upgrade path")`;
}

/** Plan warnings: one line per item inside the warning window or past its end. */
export function lifecycleWarnings(imagesInUse: string[], shopwareVersion: string, today: Date): string[] {
  return lifecycleOf(imagesInUse, shopwareVersion, today)
    .filter((s) => s.state !== "supported")
    .map((s) => `${s.rule}: ${lifecycleLine(s)}${lifecycleFails(s) ? ` — ${s.rule} fails` : ""}`);
}

/** A Shopware version older than the newest patch of its line that the table knows. */
export function newerPatch(shopwareVersion: string): string | undefined {
  const line = shopwareLines[shopwareLineOf(shopwareVersion)];
  return line?.newestPatch && compareVersions(shopwareVersion, line.newestPatch) < 0 ? line.newestPatch : undefined;
}

/** The newest Shopware patch of the newest line the table knows: the default for new stacks. */
export function newestShopware(): string {
  const newest = Object.keys(shopwareLines).sort(compareVersions).at(-1)!;
  return shopwareLines[newest].newestPatch ?? `${newest}.0.0`;
}
