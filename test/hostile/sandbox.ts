import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TS_NODE_ARGS } from "../../scripts/lib/cli";
import type { RunResult } from "../helpers/tools";

const REPO = path.resolve(__dirname, "..", "..");

/**
 * A throwaway copy of the repository (every tracked and untracked, non-ignored file; its own
 * empty out/; node_modules symlinked), so a case that deletes the checkout deletes only this.
 */
export function makeSandbox(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-hostile-"));
  const list = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: REPO, encoding: "utf8" });
  if (list.status !== 0) throw new Error(`git ls-files failed: ${list.stderr}`);
  for (const rel of list.stdout.split("\0").filter(Boolean)) {
    const src = path.join(REPO, rel);
    if (!fs.existsSync(src)) continue; // deleted in the work tree, not yet committed
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.copyFileSync(src, path.join(dir, rel));
  }
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  // A stand-in .git with a file in it: a plan that deleted out/.. would take it along.
  fs.mkdirSync(path.join(dir, ".git"));
  fs.writeFileSync(path.join(dir, ".git", "HEAD"), "ref: refs/heads/hostile\n");
  return dir;
}

/** path → sha256 of every file and symlink under root (node_modules not followed). */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      const rel = path.relative(root, p);
      if (e.isSymbolicLink()) out.set(rel, `link:${fs.readlinkSync(p)}`);
      else if (e.isDirectory()) {
        out.set(rel + "/", "dir");
        walk(p);
      } else out.set(rel, createHash("sha256").update(fs.readFileSync(p)).digest("hex"));
    }
  };
  walk(root);
  return out;
}

/**
 * Every path that differs between two snapshots, except the allowed files and directories
 * (e.g. out/demo) with what is inside them, and the directories that lead to them (out/).
 */
export function changesOutside(before: Map<string, string>, after: Map<string, string>, allowed: string[] = []): string[] {
  const inside = (rel: string) => allowed.some((a) => rel === a || rel === `${a}/` || rel.startsWith(`${a}/`) || (rel.endsWith("/") && `${a}/`.startsWith(rel)));
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k) && !inside(k)).sort();
}

/** One of the sandbox's CLIs as a real process; `stdin` is closed, stdout and stderr are pipes. */
export function cli(sandbox: string, script: string, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...TS_NODE_ARGS.map((a) => a.replace(REPO, sandbox)), path.join(sandbox, "scripts", script), ...args], {
      cwd: sandbox,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
