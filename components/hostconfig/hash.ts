import { createHash } from "crypto";
import type { BundleFile } from "./types";

/** sha256 over every file's path, mode, owner, restarts, template flag and content: the converge trigger. */
export function bundleHash(files: BundleFile[]): string {
  const h = createHash("sha256");
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path)))
    h.update(`${f.path}\0${f.mode}\0${f.owner}\0${(f.restarts ?? []).join(",")}\0${f.template ? 1 : 0}\0${f.content}\0`);
  return h.digest("hex");
}
