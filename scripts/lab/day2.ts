import * as path from "path";
import { bootIdentity } from "./hosts";
import { labStackDir } from "./paths";
import { renderPlan } from "./plan";
import type { LabContext } from "./scenarios/context";
import { labSpec, writeLabStack } from "./stackFile";
import { readTopology } from "./topology";
import { convergeAll } from "./up";

export interface Day2Result {
  seconds: number;
  /** Hosts whose PID 1 changed: rebooted or re-created (D2 says none). */
  rebooted: string[];
}

/**
 * A day-2 change as an operator makes it (D2): edit the stack, render the plan, converge every
 * host. The servers are not touched; the lab's context follows the new spec and plan, and the
 * running lab's stack file is the changed one, so `--lab` commands see what the hosts run.
 */
export async function changeStackAndConverge(ctx: LabContext, label: string, change: (config: Record<string, unknown>) => void): Promise<Day2Result> {
  const before = new Map(ctx.topo.hosts.map((h) => [h.name, bootIdentity(ctx.names, h.name)]));
  const dir = path.join(ctx.names.runDir, `day2-${label}`);
  const stackFile = writeLabStack(ctx.names.stack, labStackDir(ctx.names), ctx.publicKey, (config) => {
    ctx.start(config);
    change(config);
  });
  const spec = labSpec(stackFile, ctx.names.stack);
  const topo = readTopology(spec, renderPlan(stackFile, path.join(dir, "plan")));
  const started = Date.now();
  await convergeAll(topo, ctx.key, ctx.secrets, ctx.log);
  const seconds = (Date.now() - started) / 1000;
  ctx.stackFile = stackFile;
  ctx.spec = spec;
  ctx.topo = topo;
  return { seconds, rebooted: topo.hosts.filter((h) => bootIdentity(ctx.names, h.name) !== before.get(h.name)).map((h) => h.name) };
}
