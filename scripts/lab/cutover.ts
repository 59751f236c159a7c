import * as fs from "fs";
import * as path from "path";
import type { CutoverContext } from "../lib/cutover/run";
import { precheckHostnames } from "../lib/cutover/precheck";
import { customerProbe } from "../lib/cutover/watch";
import { runningLab } from "./deployTargets";
import { labNames } from "./paths";
import { renderPlan } from "./plan";
import { applyLabDns, RESOLVER_ADDRESSES } from "./standins/dns";
import { existingLabEdge } from "./standins/edge";
import { labSpec } from "./stackFile";

/** Where a lab's cutover records go: the lab's own, never the repository's out/. */
export const labCutoverDir = (stack: string) => path.join(labNames(stack).runDir, "cutover", "records");

/**
 * `npm run cutover -- --lab`: the running lab's stack file; the destination asked directly (the
 * LB stand-in, or the old host stand-in on port 80); the apply renders the plan and moves the
 * Cloudflare stand-ins to its records; the watch goes through the resolver stand-ins and TLS at
 * the edge stand-in, as a customer's browser would.
 */
export function labCutoverContext(stack: string): Pick<CutoverContext, "stackFile" | "precheck" | "apply" | "applyCommand" | "resolvers" | "probe" | "recordDir"> {
  const names = labNames(stack);
  const lab = runningLab(stack);
  const { topo } = lab;
  const edge = existingLabEdge(names, topo);
  const lb = topo.loadBalancer;
  return {
    stackFile: lab.stackFile,
    precheck: (target, isDestination) =>
      precheckHostnames(
        lab.spec,
        (hostname) => ({ address: target === "lb" ? lb.publicIp : target, port: target === "lb" ? lb.destinationPort : 80, hostname, path: "/", tls: false, localAddress: topo.publicSide.client, timeoutMs: 5000 }),
        isDestination,
      ),
    apply: async () => {
      const planDir = renderPlan(lab.stackFile, path.join(names.runDir, "cutover", "plan"));
      await applyLabDns(names, labSpec(lab.stackFile, stack), topo, edge, planDir);
    },
    applyCommand: "the lab's plan and Cloudflare stand-ins (edge origin, zone)",
    resolvers: RESOLVER_ADDRESSES,
    probe: customerProbe(lab.spec.primaryHost, { ca: fs.readFileSync(edge.caCert, "utf8"), timeoutMs: 3000 }),
    recordDir: labCutoverDir(stack),
  };
}
