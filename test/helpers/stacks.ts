import * as fs from "fs";
import * as path from "path";
import { buildSpec, listStacks, readStackFile, ShopSpec, stackFilePath } from "../../components/spec";
import { run, RunResult } from "./tools";

export const ROOT = path.resolve(__dirname, "..", "..");
export const STACKS_DIR = path.join(ROOT, "stacks");

export function allStacks(): string[] {
  return listStacks(STACKS_DIR);
}

/** The validated spec of a stack in stacks/ (pure: no Pulumi). */
export function stackSpec(stack: string, today = new Date("2026-11-22")): ShopSpec {
  const file = readStackFile(stackFilePath(STACKS_DIR, stack), stack);
  return buildSpec(file.raw, { stack, today }).spec;
}

/** Runs the real plan CLI in a child process (mocks are per process) into outDir. */
export function planCli(args: string[], outDir: string): RunResult {
  return run(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "plan.ts"), ...args, "--out", outDir], { cwd: ROOT });
}

export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}
