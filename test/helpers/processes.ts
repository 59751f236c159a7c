import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import type { TestContext } from "node:test";

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 200 ms until it returns true; throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Starts a long-running process with its output in `logFile`; it is killed (TERM, then KILL)
 * after the test, whatever happens.
 */
export function startDaemon(t: TestContext, cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const out = fs.openSync(logFile, "a");
  const child = spawn(cmd, args, { stdio: ["ignore", out, out], env: env ?? process.env });
  fs.closeSync(out);
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  });
  return child;
}
