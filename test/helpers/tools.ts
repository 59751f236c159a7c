import { spawn, spawnSync, SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { TestContext } from "node:test";

/** In CI a missing validator is a failure, never a skip (DEVELOPERS.md). */
export const IN_CI = process.env.CI === "true";

export function hasTool(bin: string): boolean {
  if (bin.includes("/")) return fs.existsSync(bin);
  return (process.env.PATH ?? "").split(":").some((d) => d && fs.existsSync(path.join(d, bin))) ||
    ["/usr/sbin", "/sbin"].some((d) => fs.existsSync(path.join(d, bin)));
}

/**
 * Returns true when the tool is there. Locally a missing tool skips the test with a reason;
 * with CI=true it throws, so the run fails.
 */
export function requireTool(t: TestContext, bin: string): boolean {
  if (hasTool(bin)) return true;
  if (IN_CI) throw new Error(`validator ${bin} is missing: .ci/run must install it`);
  t.skip(`${bin} is not installed (apt-get install it, or run bash .ci/run)`);
  return false;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const env = { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` };
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000, env, ...opts });
  return { status: r.status, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** A temp dir removed after the test, whatever happens. */
export function tempDir(t: TestContext, prefix = "shop-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Like run(), but without blocking the event loop: needed when the child talks to a server
 * running in this test process (a webhook sink, a heartbeat endpoint).
 */
export function runAsync(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin`, ...opts.env };
    const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}
