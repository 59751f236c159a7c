import * as path from "path";
import { TS_NODE_ARGS } from "../../lib/cli";
import { PROJECT_ROOT } from "../paths";
import { runAsync, RunResult } from "../proc";
import type { LabContext } from "./context";

/** Runs an on-call command (npm run <script> -- --stack S --lab ...) as on-call types it, in a child process. */
export async function onCallCli(ctx: LabContext, script: string, args: string[], timeoutMs = 120_000): Promise<RunResult & { seconds: number }> {
  const t0 = Date.now();
  const r = await runAsync(process.execPath, [...TS_NODE_ARGS, path.join(PROJECT_ROOT, "scripts", `${script}.ts`), "--stack", ctx.names.stack, "--lab", ...args], { timeoutMs, allowFail: true, cwd: PROJECT_ROOT });
  return { ...r, seconds: (Date.now() - t0) / 1000 };
}
