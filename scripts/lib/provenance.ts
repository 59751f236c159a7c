import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Provenance } from "../../components/checklist";

const ROOT = path.resolve(__dirname, "..", "..");

function git(args: string[]): string | undefined {
  const r = spawnSync("git", ["-C", ROOT, ...args], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** SOURCE_DATE_EPOCH (seconds, reproducible-builds.org) pins the time; otherwise now. */
export function reportTime(env: NodeJS.ProcessEnv = process.env): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

/** Where this run's reports come from: time, commit and dirty flag, the stack file's hash, the tool. */
export function provenanceOf(stackFile: string): Provenance {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
  const commit = git(["rev-parse", "HEAD"]);
  // Untracked files count: a new stack file that is not committed yet makes the tree dirty.
  const status = commit === undefined ? undefined : git(["status", "--porcelain"]);
  const rel = path.relative(ROOT, stackFile);
  return {
    generatedAt: reportTime().toISOString(),
    commit: commit ?? "unknown",
    ...(status === undefined ? {} : { dirty: status !== "" }),
    stackFile: rel.startsWith("..") ? stackFile : rel,
    stackFileSha256: createHash("sha256").update(fs.readFileSync(stackFile)).digest("hex"),
    tool: `${pkg.name} ${pkg.version}`,
  };
}
