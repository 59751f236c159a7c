import * as fs from "fs";
import * as path from "path";
import type { LabNames } from "./paths";
import { sleep } from "./proc";

/** The lab's processes live below these (sh/in-cgroup.sh): hybrid hosts have two hierarchies, pure v2 hosts one. */
const HIERARCHIES = fs.existsSync("/sys/fs/cgroup/cgroup.controllers") ? ["/sys/fs/cgroup"] : ["/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"];

function cgroupRoots(names: LabNames): string[] {
  return HIERARCHIES.map((h) => path.join(h, names.cgroupName)).filter((dir) => fs.existsSync(dir));
}

/** Every directory of a cgroup tree, deepest first. */
function treeDeepestFirst(dir: string): string[] {
  const dirs: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    dirs.push(d);
  };
  walk(dir);
  return dirs;
}

/** PIDs of every process in the lab's cgroups (containers, their supervisors, stand-ins). */
export function labPids(names: LabNames, sub = ""): number[] {
  const pids = new Set<number>();
  for (const root of cgroupRoots(names)) {
    const start = path.join(root, sub);
    if (!fs.existsSync(start)) continue;
    for (const dir of treeDeepestFirst(start)) {
      const procs = path.join(dir, "cgroup.procs");
      if (!fs.existsSync(procs)) continue;
      for (const line of fs.readFileSync(procs, "utf8").split("\n")) if (line.trim()) pids.add(Number(line));
    }
  }
  return [...pids];
}

function signal(pid: number, sig: NodeJS.Signals | number): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGKILLs every process of the (sub)tree until it is empty (bounded: 20 s). */
export async function killCgroupTree(names: LabNames, sub = ""): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const pids = labPids(names, sub);
    if (!pids.length) return;
    for (const pid of pids) signal(pid, "SIGKILL");
    await sleep(500);
  }
  throw new Error(`processes survive SIGKILL in cgroup ${names.cgroupName}/${sub}: ${labPids(names, sub).join(" ")}`);
}

/** Removes the lab's (empty) cgroup directories, deepest first. */
export function removeCgroups(names: LabNames): void {
  for (const root of cgroupRoots(names)) for (const dir of treeDeepestFirst(root)) fs.rmdirSync(dir);
}

export function cgroupLeftovers(names: LabNames): string[] {
  return cgroupRoots(names);
}
