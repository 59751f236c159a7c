import * as path from "path";
import type { StackRecords } from "../../components/checklist";
import type { ShopSpec } from "../../components/config";
import { CUTOVER_DIR, latestCutover } from "./cutover/record";
import { latestVerification, VERIFY_DIR } from "./oncall/verify";

/** Under out/<stack>/: what on-call commands recorded on the real stack; a plan keeps them when it replaces the directory. */
export const RECORD_DIRS = [VERIFY_DIR, CUTOVER_DIR];

/** The newest host verification and cutover of a stack, as the audit and the runbook quote them. */
export function stackRecords(stackDir: string, spec: ShopSpec): StackRecords {
  const verification = latestVerification(path.join(stackDir, VERIFY_DIR), spec);
  const c = latestCutover(path.join(stackDir, CUTOVER_DIR));
  return {
    ...(verification ? { verification } : {}),
    ...(c
      ? { cutover: { at: c.at, file: c.file, from: c.from, to: c.to, ok: c.ok, switchedAfter: c.switchedAfter, perResolver: c.perResolver.map((p) => ({ resolver: p.resolver, switchedAfter: p.switchedAfter })) } }
      : {}),
  };
}
