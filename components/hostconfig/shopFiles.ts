import * as fs from "fs";
import * as path from "path";

/** Host scripts and unit files live as real files in components/files (linted as they are). */
export const SHOP_FILES_DIR = path.join(__dirname, "..", "files");

export function readShopFile(relative: string): string {
  return fs.readFileSync(path.join(SHOP_FILES_DIR, relative), "utf8");
}
