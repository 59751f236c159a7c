import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { appNodes, compareVersions, images, incompatibility, shopwareLineOf, ShopSpec } from "../../../components/config";

/** What a built Shopware project must bring (a `composer install`ed shopware/production). */
const REQUIRED_FILES = ["bin/console", "vendor/autoload.php", "vendor/bin/shopware-deployment-helper", "vendor/composer/installed.json"];

export interface InspectedRelease {
  /** The project root (the archive's single top-level directory when it has one). */
  dir: string;
  version?: string;
  bytes: number;
  problems: string[];
  notes: string[];
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

/** shopware/core's version from Composer's installed.json (v2 `{packages: […]}` or v1 `[…]`). */
export function shopwareVersionOf(installedJson: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(installedJson);
  } catch {
    return undefined;
  }
  const packages = Array.isArray(parsed) ? parsed : ((parsed as { packages?: unknown[] })?.packages ?? []);
  const core = (packages as { name?: string; version?: string }[]).find((p) => p?.name === "shopware/core");
  return core?.version?.replace(/^v/, "");
}

/**
 * Checks a release directory against the stack before any node is touched (SW-2): the files a
 * deploy runs, a Shopware version the stack's image supports and the stack's own line, and no
 * local media (media lives in object storage). Every problem is collected.
 */
export function inspectRelease(dir: string, spec: ShopSpec): InspectedRelease {
  const problems: string[] = [];
  const notes: string[] = [];
  for (const file of REQUIRED_FILES) {
    const p = path.join(dir, file);
    if (!fs.existsSync(p) || fs.lstatSync(p).isSymbolicLink() || !fs.statSync(p).isFile())
      problems.push(`release: ${file} is missing (a built Shopware project has it: composer install in shopware/production)`);
  }
  let version: string | undefined;
  const installed = path.join(dir, "vendor/composer/installed.json");
  if (fs.existsSync(installed)) {
    version = shopwareVersionOf(fs.readFileSync(installed, "utf8"));
    if (!version || !/^\d+\.\d+\.\d+\.\d+$/.test(version)) {
      problems.push(`release: vendor/composer/installed.json names shopware/core version ${JSON.stringify(version ?? null)}; allowed: a release version such as 6.6.10.4`);
      version = undefined;
    }
  }
  if (version) {
    // Every image the app nodes run serves the release: mid-upgrade, both releases must carry it.
    for (const image of new Set(appNodes(spec).map((n) => n.image))) {
      const why = incompatibility(version, images[image]);
      if (why) problems.push(`release: Shopware ${version} cannot run on ${image}: ${why} (SW-2)`);
    }
    if (shopwareLineOf(version) !== shopwareLineOf(spec.shopware.version))
      problems.push(
        `release: Shopware ${version} is not on the stack's line ${shopwareLineOf(spec.shopware.version)} (shop:shopwareVersion ${spec.shopware.version}); ` +
          `change shop:shopwareVersion and run pulumi up first, so the hosts match the code`,
      );
    else if (compareVersions(version, spec.shopware.version) !== 0)
      notes.push(`note: the release is Shopware ${version}, the stack declares ${spec.shopware.version}: set shop:shopwareVersion: ${version} so the audit judges what runs`);
  }
  const media = path.join(dir, "public/media");
  if (fs.existsSync(media) && (!fs.statSync(media).isDirectory() || fs.readdirSync(media).length > 0))
    problems.push("release: public/media holds files; media lives in object storage (shop:media), not in a release");
  return { dir, version, bytes: fs.existsSync(dir) ? treeBytes(dir) : 0, problems, notes };
}

export interface UnpackedRelease {
  dir: string;
  /** Removes what unpacking created (nothing for a directory). */
  cleanup: () => void;
}

/** A release directory as given, or a .tar.gz unpacked to a temporary directory. */
export function openRelease(given: string): UnpackedRelease {
  const stat = fs.statSync(given, { throwIfNoEntry: false });
  if (!stat) throw new Error(`--release: ${given} does not exist; allowed: a built Shopware project directory or a .tar.gz of one`);
  if (stat.isDirectory()) return { dir: path.resolve(given), cleanup: () => {} };
  if (!/\.(tar\.gz|tgz)$/.test(given)) throw new Error(`--release: ${given} is neither a directory nor a .tar.gz`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "shop-release-"));
  const r = spawnSync("tar", ["-xzf", given, "-C", tmp, "--no-same-owner"], { encoding: "utf8" });
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`--release: ${given} could not be unpacked: ${(r.stderr || "").trim().split("\n")[0]}`);
  }
  const entries = fs.readdirSync(tmp);
  const single = entries.length === 1 && fs.statSync(path.join(tmp, entries[0])).isDirectory() && !fs.existsSync(path.join(tmp, "bin"));
  return { dir: single ? path.join(tmp, entries[0]) : tmp, cleanup: () => fs.rmSync(tmp, { recursive: true, force: true }) };
}

export interface PackedRelease {
  file: string;
  sha256: string;
  cleanup: () => void;
}

/** The release as one gzip'd tar, streamed to every node as is. */
export function packRelease(dir: string): PackedRelease {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "shop-release-pack-"));
  const file = path.join(tmp, "release.tar.gz");
  const r = spawnSync("tar", ["-C", dir, "-czf", file, "--owner=0", "--group=0", "."], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`packing the release failed: ${(r.stderr || "").trim()}`);
  const sha256 = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  return { file, sha256, cleanup: () => fs.rmSync(tmp, { recursive: true, force: true }) };
}
