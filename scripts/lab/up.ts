import * as fs from "fs";
import * as path from "path";
import type { ShopSpec } from "../../components/config";
import { converge, ConvergeResult } from "./converge";
import { labDown } from "./down";
import { BootResult, LabMachine, planMachine, prepareMachine, startMachine, waitForBoot } from "./hosts";
import { ensureImage, imageSuites } from "./image";
import { createNetwork } from "./network";
import { LabNames, labStackDir, PROJECT_ROOT } from "./paths";
import { renderPlan } from "./plan";
import { sleep } from "./proc";
import { labSpec, writeLabStack } from "./stackFile";
import { labSecrets, LabSecrets } from "./secrets";
import { labKeyPair, SshTarget } from "./ssh";
import { backendStates, startHaproxy } from "./standins/haproxy";
import { labEdge, pointHostAtEdge } from "./standins/edge";
import { edgeOriginOf, planDnsRecords, startDnsStandins } from "./standins/dns";
import { buildStandInRelease } from "./standins/shopware";
import { deployInLab } from "./deployTargets";
import { startOldHost, startWebhookSink } from "./standins/sink";
import { configureStorageBox, storageBoxMachine } from "./standins/storageBox";
import { LabHost, LabTopology, readTopology } from "./topology";

/** The release `lab up` deploys (the stand-in), so scenarios know what the nodes served before theirs. */
export const LAB_INITIAL_RELEASE = "lab-initial";

export const APPLY_SCRIPT = path.join(PROJECT_ROOT, "components", "files", "shop-apply.sh");

/** What `up` measured, kept in the run dir for `test` to report. */
export interface LabState {
  imageSeconds: number;
  imageBuilt: boolean;
  boots: BootResult[];
  converges: { host: string; seconds: number }[];
}

/** An edit of the lab's copy of the stack file (stackFile.ts). */
export type StackChange = (config: Record<string, unknown>) => void;

export interface LabUp {
  /** The lab's stack file as it is now: day-2 changes and the failover write a new one. */
  stackFile: string;
  /** How the lab's stack differs from stacks/Pulumi.<stack>.yaml from the start (`lab -- test --upgrade`); every later edit keeps it. */
  start: StackChange;
  spec: ShopSpec;
  topo: LabTopology;
  key: string;
  publicKey: string;
  secrets: LabSecrets;
  state: LabState;
}

/** How the lab reaches a plan host: SSH as the automation user from the deployer address (D2). */
export function automationTarget(topo: LabTopology, host: LabHost, key: string): SshTarget {
  return { ip: host.publicIp, key, from: topo.publicSide.deployer };
}

/** The host that gets the lab's small data disk: the first app node. */
export function dataDiskHost(topo: LabTopology): LabHost {
  return topo.hosts.find((h) => h.node.roles.includes("app")) ?? topo.hosts[0];
}

/** Converges every host: the primary first (its bootstrap creates the replica's replication user), then the rest in parallel. */
export async function convergeAll(topo: LabTopology, key: string, secrets: LabSecrets, log: (line: string) => void): Promise<ConvergeResult[]> {
  if (!fs.existsSync(APPLY_SCRIPT)) throw new Error(`converge needs the apply script ${APPLY_SCRIPT}, which does not exist yet`);
  const one = async (host: LabHost) => {
    const r = await converge(host, automationTarget(topo, host, key), APPLY_SCRIPT, secrets);
    log(`converge: ${host.name} in ${r.seconds.toFixed(1)} s (${r.output.split("\n").pop()})`);
    return r;
  };
  const isPrimary = (h: LabHost) => h.node.roles.includes("db-primary");
  const first = await Promise.all(topo.hosts.filter(isPrimary).map(one));
  return [...first, ...(await Promise.all(topo.hosts.filter((h) => !isPrimary(h)).map(one)))];
}

export function statePath(names: LabNames): string {
  return path.join(names.runDir, "state.json");
}

/** Brings the stack's lab up from nothing; any failure tears down what was started. */
export async function labUp(names: LabNames, log: (line: string) => void, start: StackChange = () => {}): Promise<LabUp> {
  await labDown(names, log);
  try {
    fs.mkdirSync(names.runDir, { recursive: true, mode: 0o700 });
    const key = labKeyPair(names.runDir);
    const stackFile = writeLabStack(names.stack, labStackDir(names), key.publicKey, start);
    const spec = labSpec(stackFile, names.stack);
    // One image per Debian release the nodes run: a stack mid-upgrade boots both.
    const imageDirs = new Map<string, string>();
    let [imageSeconds, imageBuilt] = [0, false];
    for (const suite of imageSuites(spec)) {
      const image = ensureImage(spec, suite, log);
      log(image.built ? `image: ${suite} built in ${image.seconds.toFixed(0)} s` : `image: ${suite} cached (${image.dir})`);
      imageDirs.set(suite, image.dir);
      imageSeconds += image.seconds;
      imageBuilt ||= image.built;
    }
    const topo = readTopology(spec, renderPlan(stackFile, path.join(names.runDir, "plan")));
    const secrets = labSecrets(names, spec, topo);
    createNetwork(names, topo);
    await startWebhookSink(names, topo);
    await startOldHost(names, topo);
    const edge = labEdge(names, spec, topo);
    const records = planDnsRecords(path.join(names.runDir, "plan"), spec);
    await startHaproxy(names, topo.loadBalancer, { edge, origin: edgeOriginOf(records, spec, topo) });
    await startDnsStandins(names, spec, records, edge);

    const storageBox = storageBoxMachine(names, topo);
    const machines: LabMachine[] = [...topo.hosts.map((h) => planMachine(h, key.publicKey, h === dataDiskHost(topo))), storageBox];
    const startedAt = Date.now();
    for (const m of machines) {
      const suite = topo.hosts.find((h) => h.name === m.name)?.node.os.codename ?? imageSuites(spec)[0];
      prepareMachine(names, topo, m, imageDirs.get(suite)!);
      startMachine(names, m);
    }
    const booted = await Promise.all(machines.map((m) => waitForBoot(names, m.name, startedAt)));
    const boots = booted.filter((b) => b.host !== storageBox.name);
    for (const b of boots) {
      log(`boot: ${b.host}: cloud-init ${b.cloudInit}, system ${b.system} after ${b.seconds.toFixed(1)} s${b.failedUnits.length ? `; failed units: ${b.failedUnits.join(", ")}` : ""}`);
    }
    log(configureStorageBox(names, storageBox, secrets));
    for (const h of topo.hosts) pointHostAtEdge(names, h.name, spec, edge);

    const converges = await convergeAll(topo, key.privateKey, secrets, log);
    const initial = buildStandInRelease(path.join(names.runDir, "releases", LAB_INITIAL_RELEASE), spec, { label: LAB_INITIAL_RELEASE });
    await deployInLab(spec, topo, key.privateKey, initial, LAB_INITIAL_RELEASE, log);
    log(`shopware stand-in deployed as release ${LAB_INITIAL_RELEASE} on ${topo.hosts.filter((h) => h.node.roles.includes("app")).map((h) => h.name).join(", ")}`);
    // The LB admits a target after `retries` passing checks: ready means every target is UP.
    const lbStarted = Date.now();
    let states: Record<string, string> = {};
    while (Date.now() - lbStarted < 90_000) {
      states = await backendStates(names);
      if (topo.loadBalancer.targets.every((t) => states[t.name] === "UP")) break;
      await sleep(500);
    }
    if (!topo.loadBalancer.targets.every((t) => states[t.name] === "UP")) throw new Error(`LB targets not UP 90 s after converge: ${JSON.stringify(states)}`);
    log(`load balancer: ${topo.loadBalancer.targets.length} targets UP ${((Date.now() - lbStarted) / 1000).toFixed(1)} s after the deploy`);

    const state: LabState = { imageSeconds: imageSeconds, imageBuilt: imageBuilt, boots, converges: converges.map((c) => ({ host: c.host, seconds: c.seconds })) };
    fs.writeFileSync(statePath(names), JSON.stringify(state, null, 2));
    return { stackFile, start, spec, topo, key: key.privateKey, publicKey: key.publicKey, secrets, state };
  } catch (err) {
    log(`up failed: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.SHOP_LAB_KEEP_ON_FAILURE === "1") {
      log("SHOP_LAB_KEEP_ON_FAILURE=1: leaving the lab up for debugging; run `lab down` afterwards");
    } else {
      log("tearing the lab down");
      await labDown(names, log);
    }
    throw err;
  }
}
