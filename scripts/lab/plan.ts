import * as path from "path";
import { PROJECT_ROOT } from "./paths";
import { run } from "./proc";
import { TS_NODE_ARGS } from "../lib/cli";

/** Runs the offline plan CLI (its own process: Pulumi mocks are per process) on a stack file into `out`. */
export function renderPlan(stackFile: string, out: string): string {
  run(process.execPath, [...TS_NODE_ARGS, path.join(PROJECT_ROOT, "scripts", "plan.ts"), "--file", stackFile, "--out", out], { cwd: PROJECT_ROOT, timeoutMs: 180_000 });
  return out;
}
