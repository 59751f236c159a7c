import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SH_DIR } from "./paths";

/**
 * Starts a long-running process detached (own session) inside the lab's cgroup `cgroup`,
 * with its output appended to `logFile`. `lab down` stops it through the cgroup.
 */
export function spawnInCgroup(cgroup: string, cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = {}): number {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, "a");
  const child = spawn("setsid", ["bash", path.join(SH_DIR, "in-cgroup.sh"), cgroup, cmd, ...args], {
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin`, ...env },
  });
  child.unref();
  fs.closeSync(out);
  if (!child.pid) throw new Error(`could not start ${cmd}`);
  return child.pid;
}
