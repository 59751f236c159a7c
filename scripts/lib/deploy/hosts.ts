import { spawnSync } from "child_process";
import * as fs from "fs";
import { fail } from "../cli";
import { PROJECT_ROOT } from "../offlinePlan";

/** The stack's outputs as JSON: a saved `pulumi stack output --json`, or the CLI's own answer. */
export function hostsJson(stack: string, file: string | undefined): { json: string; source: string } {
  if (file) {
    if (!fs.existsSync(file)) fail(`error: --hosts: ${file} does not exist; allowed: pulumi stack output --json saved to a file`);
    return { json: fs.readFileSync(file, "utf8"), source: file };
  }
  const r = spawnSync("pulumi", ["stack", "output", "--json", "--stack", stack], { cwd: PROJECT_ROOT, encoding: "utf8" });
  if (r.error || r.status !== 0)
    fail(`error: could not read the stack's outputs (pulumi stack output --json --stack ${stack}: ${r.error?.message ?? r.stderr.trim().split("\n")[0]}); pass --hosts FILE or --lab`);
  return { json: r.stdout, source: "pulumi stack output" };
}
