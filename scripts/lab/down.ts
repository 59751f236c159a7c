import * as fs from "fs";
import * as path from "path";
import { cgroupLeftovers, killCgroupTree, labPids, removeCgroups } from "./cgroups";
import { containerPid, powerOff } from "./hosts";
import { deleteNetwork, labLinks, labNftTables } from "./network";
import type { LabNames } from "./paths";
import { run, sleep } from "./proc";

function hostNames(names: LabNames): string[] {
  const dir = path.join(names.runDir, "hosts");
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/** Mount points below the lab's run directory, deepest first. */
export function labMounts(names: LabNames): string[] {
  return fs
    .readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1])
    .filter((mp): mp is string => !!mp && (mp === names.runDir || mp.startsWith(`${names.runDir}/`)))
    .sort((a, b) => b.length - a.length);
}

/** Loop devices backed by files in the run directory (the data disk). */
export function labLoops(names: LabNames): string[] {
  return run("losetup", ["--list", "--noheadings", "--output", "NAME,BACK-FILE"], { allowFail: true })
    .stdout.split("\n")
    .filter((l) => l.includes(`${names.runDir}/`))
    .map((l) => l.trim().split(/\s+/)[0]);
}

export interface Leftovers {
  processes: number[];
  mounts: string[];
  loops: string[];
  links: string[];
  nftTables: string[];
  cgroups: string[];
  runDir: boolean;
}

export function leftovers(names: LabNames): Leftovers {
  return { processes: labPids(names), mounts: labMounts(names), loops: labLoops(names), links: labLinks(names), nftTables: labNftTables(names), cgroups: cgroupLeftovers(names), runDir: fs.existsSync(names.runDir) };
}

export function isClean(l: Leftovers): boolean {
  return !l.processes.length && !l.mounts.length && !l.loops.length && !l.links.length && !l.nftTables.length && !l.cgroups.length && !l.runDir;
}

/**
 * Removes every trace of the stack's lab; safe to run at any point and any number of times.
 * Hosts get a clean poweroff first (bounded), then whatever is left in the lab's cgroups is
 * killed by PID; overlays are unmounted, bridges and veths deleted, the run directory removed.
 */
export async function labDown(names: LabNames, log: (line: string) => void): Promise<Leftovers> {
  const running = hostNames(names).filter((h) => containerPid(names, h));
  for (const host of running) powerOff(names, host);
  const deadline = Date.now() + 30_000;
  while (running.some((h) => containerPid(names, h)) && Date.now() < deadline) await sleep(300);
  if (running.length) log(`down: ${running.length} host(s) powered off${running.some((h) => containerPid(names, h)) ? " (some killed after 30 s)" : ""}`);
  await killCgroupTree(names);
  for (const mp of labMounts(names)) {
    // Lazy unmount only when a plain one fails (a process of a killed container still inside).
    if (run("umount", [mp], { allowFail: true }).status !== 0) run("umount", ["-l", mp], { allowFail: true });
  }
  for (const loop of labLoops(names)) run("losetup", ["-d", loop], { allowFail: true });
  deleteNetwork(names);
  removeCgroups(names);
  if (!labMounts(names).length) fs.rmSync(names.runDir, { recursive: true, force: true });
  const left = leftovers(names);
  if (!isClean(left)) throw new Error(`lab down left traces behind: ${JSON.stringify(left)}`);
  return left;
}
