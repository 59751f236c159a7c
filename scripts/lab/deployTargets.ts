import * as fs from "fs";
import * as path from "path";
import type { ShopSpec } from "../../components/config";
import { RELEASES_KEPT } from "../../components/hostconfig/release";
import { inspectRelease, packRelease } from "../lib/deploy/release";
import type { DeployTarget } from "../lib/deploy/exec";
import { DeployNode, rollingDeploy } from "../lib/deploy/run";
import type { WarmOrigin } from "../lib/deploy/warm";
import { labNames, labStackDir } from "./paths";
import { sshArgs } from "./ssh";
import type { Role } from "../../components/config/schema";
import { LAB_ADMIN_USER, LAB_DEPLOY_USER, LAB_READONLY_USER, labSpec } from "./stackFile";
import { LabTopology, readTopology } from "./topology";

export interface LabDeployTargets {
  spec: ShopSpec;
  nodes: DeployNode[];
  /** The warm-up goes through the LB stand-in from the lab's client address. */
  warmOrigin: WarmOrigin;
}

export interface RunningLab {
  stackFile: string;
  key: string;
  spec: ShopSpec;
  topo: LabTopology;
}

export function runningLab(stack: string): RunningLab {
  const names = labNames(stack);
  const stackFile = path.join(labStackDir(names), `Pulumi.${stack}.yaml`);
  const key = path.join(names.runDir, "keys", "automation_ed25519");
  if (!fs.existsSync(stackFile) || !fs.existsSync(key)) throw new Error(`--lab: no lab is up for stack ${stack} (run npm run lab -- up --stack ${stack})`);
  const spec = labSpec(stackFile, stack);
  return { stackFile, key, spec, topo: readTopology(spec, path.join(names.runDir, "plan")) };
}

/** A running lab's app nodes as `npm run deploy -- --lab` reaches them: the lab's deploy user from the deployer address. */
export function labDeployTargets(stack: string, user = LAB_DEPLOY_USER): LabDeployTargets {
  const lab = runningLab(stack);
  return labTargetsOf(lab.spec, lab.topo, lab.key, user);
}

const LAB_USER_OF_ROLE: Record<Role, string> = { admin: LAB_ADMIN_USER, deploy: LAB_DEPLOY_USER, readonly: LAB_READONLY_USER };

/**
 * A running lab as the on-call commands reach it: every node as the lab's user of `role` from the
 * admin address, the lab's stack file, and the shop through the LB stand-in from the client address.
 */
export function labReach(stack: string, role: Role): { spec: ShopSpec; stackFile: string; targets: Map<string, DeployTarget>; shopOrigin: WarmOrigin } {
  const lab = runningLab(stack);
  return { spec: lab.spec, stackFile: lab.stackFile, targets: adminTargetsOf(lab.topo, lab.key, LAB_USER_OF_ROLE[role]), shopOrigin: labShopOrigin(lab.topo) };
}

export function adminTargetsOf(topo: LabTopology, key: string, user = LAB_ADMIN_USER): Map<string, DeployTarget> {
  return new Map(topo.hosts.map((h) => [h.name, { name: h.name, ssh: sshArgs({ ip: h.publicIp, key, from: topo.publicSide.admin, user }) }]));
}

/** The shop's public URL as the lab serves it: the LB stand-in, from the client address the origin lock-down admits. */
export function labShopOrigin(topo: LabTopology): WarmOrigin {
  return { connectTo: { host: topo.loadBalancer.publicIp, port: topo.loadBalancer.destinationPort }, localAddress: topo.publicSide.client };
}

export function labTargetsOf(spec: ShopSpec, topo: LabTopology, key: string, user = LAB_DEPLOY_USER): LabDeployTargets {
  const nodes = topo.hosts
    .filter((h) => h.node.roles.includes("app"))
    .map((h) => ({ node: h.node, target: { name: h.name, ssh: sshArgs({ ip: h.publicIp, key, from: topo.publicSide.deployer, user }) } }));
  return {
    spec,
    nodes,
    warmOrigin: labShopOrigin(topo),
  };
}

/** The lab's first deploy (lab up): the stand-in release through the same rolling deploy, as the lab's deploy user. */
export async function deployInLab(spec: ShopSpec, topo: LabTopology, key: string, releaseDir: string, id: string, log: (line: string) => void): Promise<void> {
  const inspected = inspectRelease(releaseDir, spec);
  if (inspected.problems.length) throw new Error(`the stand-in release fails the deploy's preflight: ${inspected.problems.join("; ")}`);
  const packed = packRelease(releaseDir);
  try {
    const t = labTargetsOf(spec, topo, key);
    const report = await rollingDeploy({ spec, nodes: t.nodes, log: (line) => log(`deploy: ${line}`) }, { release: id, tarball: packed.file, releaseBytes: inspected.bytes, keep: RELEASES_KEPT });
    if (!report.ok) throw new Error(report.summary);
  } finally {
    packed.cleanup();
  }
}
