import { spawn, spawnSync } from "child_process";

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  /** Return a non-zero exit instead of throwing. */
  allowFail?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

const PATH = `${process.env.PATH ?? ""}:/usr/sbin:/sbin`;

/** Runs a command to completion, bounded by a timeout (default 60 s); throws on failure unless allowFail. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): RunResult {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    input: opts.input,
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: "SIGKILL",
    env: { ...process.env, PATH, ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const result = { status: r.status ?? (r.error ? 127 : 128), stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
  if (result.status !== 0 && !opts.allowFail) {
    const detail = (result.stderr || result.stdout).trim().split("\n").slice(-15).join("\n");
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.signal ? `on ${r.signal} (timeout?)` : result.status}${detail ? `:\n${detail}` : ""}`);
  }
  return result;
}

/** Like run, without blocking the event loop: for work that runs on several hosts at once. */
export function runAsync(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, PATH, ...opts.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = { status: code ?? 128, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
      if (result.status !== 0 && !opts.allowFail) {
        const detail = (result.stderr || result.stdout).trim().split("\n").slice(-15).join("\n");
        reject(new Error(`${cmd} ${args.join(" ")} exited ${signal ? `on ${signal} (timeout?)` : result.status}${detail ? `:\n${detail}` : ""}`));
      } else resolve(result);
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

/** Runs a long command with its output passed through (image builds); bounded by a timeout. */
export function runLogged(cmd: string, args: string[], opts: { timeoutMs: number; log: (line: string) => void }): void {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], timeout: opts.timeoutMs, killSignal: "SIGKILL", env: { ...process.env, PATH } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.signal ?? `exit ${r.status}`})`);
  opts.log(`${cmd} ${args[0] ?? ""}: ok`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value, or throws after timeoutMs naming what it waited for. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | false, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}
