import type { BundleFile } from "./types";
import { readShopFile } from "./shopFiles";

export const UNIT_LIST_DIR = "/etc/shop/units";

/**
 * Units a concern wants enabled and started (or stopped and disabled) on this host. The
 * 15-units hook reads every list after the files are installed, so each concern ships its own.
 */
export function unitListFile(concern: string, enable: string[], disable: string[] = []): BundleFile {
  const lines = [...new Set(enable)].map((u) => `enable ${u}`).concat([...new Set(disable)].map((u) => `disable ${u}`));
  return { path: `${UNIT_LIST_DIR}/${concern}.list`, mode: "0644", owner: "root:root", content: lines.join("\n") + "\n" };
}

export const unitsHookFile = (): BundleFile => ({
  path: "/usr/local/lib/shop/apply.d/15-units",
  mode: "0755",
  owner: "root:root",
  content: readShopFile("apply.d/15-units"),
});
