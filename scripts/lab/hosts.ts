import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { AUTOMATION_USER } from "../../components/config";
import { renderUserData } from "../../components/hostconfig/cloudInit";
import { hostUnits } from "./image";
import { LabNames, SH_DIR, vethNames } from "./paths";
import { run, RunOptions, RunResult, waitFor } from "./proc";
import { spawnInCgroup } from "./spawn";
import type { LabHost, LabTopology } from "./topology";

export function hostDir(names: LabNames, host: string): string {
  return path.join(names.runDir, "hosts", host);
}

/** The machine's root as the host sees it: the overlay of the image and the machine's own layer. */
export const mergedDir = (names: LabNames, host: string) => path.join(hostDir(names, host), "root");

/**
 * The plan's user-data with the lab's automation key: re-rendered through renderUserData, then
 * checked against the plan's file with only the key swapped, so the host boots exactly what the
 * plan renders apart from the key the lab can actually log in with.
 */
export function labUserData(host: LabHost, labPublicKey: string): string {
  const planned = fs.readFileSync(path.join(host.planDir, "user-data.yaml"), "utf8");
  const users = (parse(planned) as { users?: { name: string; ssh_authorized_keys?: string[] }[] }).users ?? [];
  const planKey = users.find((u) => u.name === AUTOMATION_USER)?.ssh_authorized_keys?.[0];
  if (!planKey) throw new Error(`${host.name}: the plan's user-data has no key for ${AUTOMATION_USER}`);
  const rendered = renderUserData(host.node, labPublicKey);
  if (planned.split(planKey).join(labPublicKey) !== rendered)
    throw new Error(`${host.name}: renderUserData differs from the plan's user-data.yaml beyond the automation key; re-run the plan`);
  return rendered;
}

/** One container the lab boots: a plan host or a stand-in (the Storage Box). */
export interface LabMachine {
  name: string;
  /** Names the host-side veths. */
  index: number;
  publicIp: string;
  /** Absent: the machine is on the public side only. */
  privateIp?: string;
  userData: string;
  /** Role units to enable, as the host's package installs would. */
  units: string[];
  /** Gets the lab's small ext4 data disk (monitoring scenario): the overlay root is no real filesystem to fill. */
  dataDisk?: boolean;
}

/** Where the data disk appears inside the machine. */
export const DATA_DISK_MOUNT = "/mnt/lab-disk";
const DATA_DISK_MB = 128;

/** The platform's side of cloud-init, which Hetzner's image brings: /etc/hosts names the host. */
const PLATFORM_CLOUD_CFG = "manage_etc_hosts: true\n";

/** NoCloud network-config v1: eth0 public with the default route, eth1 on the private network. */
function networkConfig(topo: LabTopology, m: LabMachine): string {
  const eth0 = { type: "physical", name: "eth0", subnets: [{ type: "static", address: `${m.publicIp}/${topo.publicSide.prefix}`, gateway: topo.publicSide.gateway }] };
  const eth1 = m.privateIp ? [{ type: "physical", name: "eth1", subnets: [{ type: "static", address: `${m.privateIp}/${topo.privatePrefix}` }] }] : [];
  return stringify({ version: 1, config: [eth0, ...eth1] });
}

export function planMachine(host: LabHost, labPublicKey: string, dataDisk: boolean): LabMachine {
  return { name: host.name, index: host.index, publicIp: host.publicIp, privateIp: host.privateIp, userData: labUserData(host, labPublicKey), units: hostUnits(host.node), dataDisk };
}

/** Overlay root (image below, the machine's own layer above) with the NoCloud seed. */
export function prepareMachine(names: LabNames, topo: LabTopology, m: LabMachine, image: string): void {
  const dir = hostDir(names, m.name);
  const [upper, work, merged] = [path.join(dir, "upper"), path.join(dir, "work"), mergedDir(names, m.name)];
  for (const d of [upper, work, merged]) fs.mkdirSync(d, { recursive: true });
  run("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${image},upperdir=${upper},workdir=${work}`, merged]);
  const seed = path.join(merged, "var/lib/cloud/seed/nocloud");
  fs.mkdirSync(seed, { recursive: true });
  fs.writeFileSync(path.join(seed, "meta-data"), stringify({ "instance-id": `${m.name}-lab`, "local-hostname": m.name }));
  fs.writeFileSync(path.join(seed, "user-data"), m.userData);
  fs.writeFileSync(path.join(seed, "network-config"), networkConfig(topo, m));
  fs.writeFileSync(path.join(merged, "etc/cloud/cloud.cfg.d/91-lab-platform.cfg"), PLATFORM_CLOUD_CFG);
  if (m.units.length) run("systemctl", [`--root=${merged}`, "--quiet", "enable", ...m.units]);
  if (m.dataDisk) {
    // A loop-mounted ext4 file: shop-health watches real filesystems only. Unmounting frees the loop device (autoclear).
    const image = path.join(dir, "data-disk.img");
    run("fallocate", ["-l", `${DATA_DISK_MB}M`, image]);
    run("mkfs.ext4", ["-q", "-m", "0", image]);
    fs.mkdirSync(path.join(dir, "data-disk"));
    run("mount", ["-o", "loop", image, path.join(dir, "data-disk")]);
  }
}

/** Starts the machine's supervisor (sh/boot-host.sh) in the lab's cgroup tree. */
export function startMachine(names: LabNames, m: LabMachine): void {
  const dir = hostDir(names, m.name);
  const { privateVeth, publicVeth } = vethNames(names.stack, m.index);
  spawnInCgroup(
    `${names.cgroupName}/supervisor-${m.name}`,
    "bash",
    [
      path.join(SH_DIR, "boot-host.sh"), m.name, mergedDir(names, m.name), `${names.cgroupName}/${m.name}`, publicVeth, names.publicBridge, m.privateIp ? privateVeth : "-", names.privateBridge, dir,
      ...(m.dataDisk ? [`${path.join(dir, "data-disk")}:${DATA_DISK_MOUNT}`] : []),
    ],
    path.join(dir, "console.log"),
  );
}

/**
 * Starts a machine whose container was killed (a host lost and back): the kernel frees a dead
 * container's network namespace, and with it the veths nspawn must create again, only some
 * seconds later, so wait for that (bounded) and remove what is still left.
 */
export async function restartMachine(names: LabNames, m: LabMachine): Promise<void> {
  const { privateVeth, publicVeth } = vethNames(names.stack, m.index);
  const left = () => [publicVeth, privateVeth].filter((v) => run("ip", ["link", "show", v], { allowFail: true }).status === 0);
  for (let i = 0; i < 120 && left().length; i++) await new Promise((r) => setTimeout(r, 500));
  for (const v of left()) run("ip", ["link", "del", v], { allowFail: true });
  startMachine(names, m);
}

/**
 * A server deleted and created again under its name, as `pulumi up` replaces it (an image
 * change, README "Upgrade path"): a clean poweroff first (shutdownBeforeDeletion), its disk
 * gone, then a fresh root from `image` with the plan's new user-data, booted. Same name and
 * private IP, as on Hetzner; the caller converges it.
 */
export async function replaceMachine(names: LabNames, topo: LabTopology, m: LabMachine, image: string): Promise<BootResult> {
  powerOff(names, m.name);
  await waitFor(`${m.name} to power off`, 60_000, () => (containerPid(names, m.name) ? undefined : true));
  const dir = hostDir(names, m.name);
  for (const mp of [path.join(dir, "data-disk"), mergedDir(names, m.name)])
    if (fs.readFileSync("/proc/self/mounts", "utf8").split("\n").some((l) => l.split(" ")[1] === mp)) run("umount", [mp]);
  fs.rmSync(dir, { recursive: true, force: true });
  prepareMachine(names, topo, m, image);
  const startedAt = Date.now();
  await restartMachine(names, m);
  return waitForBoot(names, m.name, startedAt);
}

/** PID 1 of the host's container (the child of systemd-nspawn), if it runs. */
export function containerPid(names: LabNames, host: string): number | undefined {
  const pidFile = path.join(hostDir(names, host), "nspawn.pid");
  if (!fs.existsSync(pidFile)) return undefined;
  const nspawn = fs.readFileSync(pidFile, "utf8").trim();
  const children = `/proc/${nspawn}/task/${nspawn}/children`;
  if (!fs.existsSync(children)) return undefined;
  const first = fs.readFileSync(children, "utf8").trim().split(/\s+/)[0];
  return first ? Number(first) : undefined;
}

/** The container's PID 1 and its start time: unchanged means neither rebooted nor re-created. */
export function bootIdentity(names: LabNames, host: string): string {
  const pid = containerPid(names, host);
  if (!pid) return "not running";
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return `${pid}@${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]}`;
}

/** Runs a command inside the host (all its namespaces), bounded by a timeout. */
export function inHost(names: LabNames, host: string, command: string[], opts: RunOptions = {}): RunResult {
  const pid = containerPid(names, host);
  if (!pid) throw new Error(`${host} is not running`);
  return run("nsenter", ["-t", String(pid), "-a", "--", ...command], opts);
}

export interface BootResult {
  host: string;
  seconds: number;
  cloudInit: string;
  system: string;
  failedUnits: string[];
}

/** Waits until cloud-init is done and systemd has finished starting up (bounded). */
export async function waitForBoot(names: LabNames, host: string, startedAt: number): Promise<BootResult> {
  await waitFor(`${host}'s PID 1`, 60_000, () => containerPid(names, host));
  // cloud-init's status command exists once the container's /usr is visible; retry until it answers.
  const cloudInit = await waitFor(`cloud-init on ${host}`, 300_000, () => {
    const r = inHost(names, host, ["cloud-init", "status", "--wait"], { allowFail: true, timeoutMs: 300_000 });
    const status = /status:\s*(\S+)/.exec(r.stdout)?.[1];
    return status === "done" || status === "error" ? status : undefined;
  }, 1000);
  const system = inHost(names, host, ["systemctl", "is-system-running", "--wait"], { allowFail: true, timeoutMs: 120_000 }).stdout.trim();
  const failedUnits =
    system === "running"
      ? []
      : inHost(names, host, ["systemctl", "list-units", "--failed", "--plain", "--no-legend"], { allowFail: true }).stdout.split("\n").filter(Boolean).map((l) => l.split(/\s+/)[0]);
  return { host, seconds: (Date.now() - startedAt) / 1000, cloudInit, system, failedUnits };
}

/** Asks the host for a clean poweroff (SIGRTMIN+4 to systemd). */
export function powerOff(names: LabNames, host: string): void {
  const pid = containerPid(names, host);
  if (!pid) return;
  const rtmin = 34; // SIGRTMIN on Linux/glibc
  try {
    process.kill(pid, rtmin + 4);
  } catch {
    // already gone
  }
}
