import * as fs from "fs";
import * as path from "path";
import type { ShopSpec } from "../../../components/config";

const STANDIN_DIR = path.join(__dirname, "..", "standin");

/**
 * Builds a release of the Shopware stand-in (scripts/lab/standin: a front controller, bin/console
 * and a deployment helper, not Shopware) laid out as a built Shopware project: Composer's
 * installed.json names the stack's shopware/core version, so the deploy's preflight judges it as
 * it would a real build. `broken` adds the marker that makes its health check fail (500).
 */
export function buildStandInRelease(dir: string, spec: ShopSpec, opts: { broken?: boolean; label?: string } = {}): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(STANDIN_DIR, dir, { recursive: true });
  fs.rmSync(path.join(dir, "README.md"));
  fs.mkdirSync(path.join(dir, "vendor/composer"), { recursive: true });
  const installed = { packages: [{ name: "shopware/core", version: spec.shopware.version, description: "LAB STAND-IN: not Shopware" }], dev: false };
  fs.writeFileSync(path.join(dir, "vendor/composer/installed.json"), JSON.stringify(installed, null, 2) + "\n");
  // Two builds differ in content, so their ids (time and content hash) differ too.
  fs.writeFileSync(path.join(dir, "public/build.txt"), `${opts.label ?? "lab"}\n`);
  if (opts.broken) fs.writeFileSync(path.join(dir, "lab-broken"), "the lab's broken release: its health check answers 500\n");
  return dir;
}
