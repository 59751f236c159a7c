import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { bootstrapPackages } from "../../components/hostconfig/cloudInit";
import { images, imagesInUse } from "../../components/config";
import type { NodeSpec, ShopSpec } from "../../components/config";
import { IMAGE_CACHE, PROJECT_ROOT, SH_DIR } from "./paths";
import { runLogged } from "./proc";

/**
 * Units whose packages only some roles install. The image ships them disabled and the lab
 * enables them on the hosts whose bootstrap packages include them, as apt's postinst would.
 */
const ROLE_UNITS: Record<string, string[]> = {
  nginx: ["nginx.service"],
  "mariadb-server": ["mariadb.service", "mariadb.socket"],
  "redis-server": ["redis-server.service"],
};

function phpFpmUnits(pkg: string): string[] {
  return /^php[0-9.]+-fpm$/.test(pkg) ? [`${pkg}.service`] : [];
}

function unitsOf(pkg: string): string[] {
  return [...(ROLE_UNITS[pkg] ?? []), ...phpFpmUnits(pkg)];
}

/**
 * Every package any host of the stack would install at first boot on this release (its image
 * preinstalls them all): every node as if it ran the release, so the image of a release is the
 * same whichever nodes run it (an upgrade moves them over one by one, shop:nodeImages).
 */
export function imagePackages(spec: ShopSpec, suite: string): string[] {
  const os = Object.values(images).find((o) => o.codename === suite);
  if (!os) throw new Error(`no image in the catalog runs Debian ${suite}`);
  return [...new Set(spec.nodes.flatMap((n) => bootstrapPackages({ ...n, os })))].sort();
}

/** Role units the release's image disables: every role unit of its packages. */
export function roleUnits(spec: ShopSpec, suite: string): string[] {
  return [...new Set(imagePackages(spec, suite).flatMap(unitsOf))].sort();
}

/** The role units this host's own bootstrap packages would have enabled. */
export function hostUnits(node: NodeSpec): string[] {
  return [...new Set(bootstrapPackages(node).flatMap(unitsOf))].sort();
}

/**
 * The Debian mirror of this machine's apt sources (one-line or deb822 format), found by the
 * machine's own suite (bookworm); the same mirror serves every release the lab builds.
 */
export function debianMirror(): string {
  const files = ["/etc/apt/sources.list"];
  const dir = "/etc/apt/sources.list.d";
  if (fs.existsSync(dir)) files.push(...fs.readdirSync(dir).map((f) => path.join(dir, f)));
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, "utf8");
    const oneLine = text.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian\/?)\s+bookworm\s/m);
    if (oneLine) return oneLine[1];
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = stanza.match(/^URIs:\s*(\S+\/debian\/?)\s*$/m);
      if (uri && /^Suites:.*\bbookworm\b/m.test(stanza)) return uri[1];
    }
  }
  throw new Error("no Debian bookworm mirror in /etc/apt/sources.list or /etc/apt/sources.list.d/*");
}

export interface ImageResult {
  dir: string;
  built: boolean;
  seconds: number;
}

/** The build steps build-image.sh shares with the validator root; part of the cache key like the script. */
const CHROOT_BUILD_LIB = path.join(PROJECT_ROOT, "scripts", "lib", "chroot-build.sh");

/** The releases the stack's nodes run, shop:image's first: the storage box boots that one. */
export function imageSuites(spec: ShopSpec): string[] {
  return [...new Set(imagesInUse(spec).map((image) => images[image].codename))];
}

/** Builds the image of one of the stack's releases unless one for the same package list and build script exists. */
export function ensureImage(spec: ShopSpec, suite: string, log: (line: string) => void): ImageResult {
  const packages = imagePackages(spec, suite);
  const units = roleUnits(spec, suite);
  const script = path.join(SH_DIR, "build-image.sh");
  const hash = createHash("sha256")
    .update(suite)
    .update("\0")
    .update(packages.join("\n"))
    .update("\0")
    .update(units.join("\n"))
    .update("\0")
    .update(fs.readFileSync(script))
    .update(fs.readFileSync(CHROOT_BUILD_LIB))
    .digest("hex")
    .slice(0, 16);
  const dir = path.join(IMAGE_CACHE, `${suite}-${hash}`);
  if (fs.existsSync(path.join(dir, "etc", "os-release"))) return { dir, built: false, seconds: 0 };

  fs.mkdirSync(IMAGE_CACHE, { recursive: true });
  // Older images of this release are of no further use: one image per release keeps the disk bounded.
  for (const old of fs.readdirSync(IMAGE_CACHE)) {
    if (old.startsWith(`${suite}-`) && !old.startsWith(`${suite}-${hash}`)) fs.rmSync(path.join(IMAGE_CACHE, old), { recursive: true, force: true });
  }
  const packagesFile = `${dir}.packages`;
  const unitsFile = `${dir}.units`;
  fs.writeFileSync(packagesFile, packages.join("\n") + "\n");
  fs.writeFileSync(unitsFile, units.join("\n") + "\n");
  const started = Date.now();
  log(`image: building ${path.basename(dir)} (Debian ${suite}, ${packages.length} packages; a few minutes)`);
  try {
    runLogged("bash", [script, suite, dir, debianMirror(), packagesFile, unitsFile], { timeoutMs: 30 * 60_000, log });
  } finally {
    fs.rmSync(packagesFile, { force: true });
    fs.rmSync(unitsFile, { force: true });
  }
  return { dir, built: true, seconds: (Date.now() - started) / 1000 };
}
