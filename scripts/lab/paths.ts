import { createHash } from "crypto";
import * as path from "path";

/** Repository root (scripts/lab/ is two levels down). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
/** Built images, one directory per package-list hash; survives `lab down` on purpose. */
export const IMAGE_CACHE = process.env.SHOP_LAB_CACHE ?? "/var/cache/shop-lab";
/** Everything one stack's lab creates on disk; `lab down` removes it whole. */
export const RUN_ROOT = process.env.SHOP_LAB_RUN ?? "/var/lib/shop-lab";
/** The shell pieces of the lab, kept as real files for shellcheck. */
export const SH_DIR = path.join(__dirname, "sh");

/** Names of everything a stack's lab creates, derived from the stack name only, so `down` finds them without state. */
export interface LabNames {
  stack: string;
  runDir: string;
  /** Linux interface names are at most 15 characters: a short stable id, not the stack name. */
  privateBridge: string;
  publicBridge: string;
  cgroupName: string;
}

export function labNames(stack: string): LabNames {
  const id = "l" + createHash("sha1").update(stack).digest("hex").slice(0, 6);
  return {
    stack,
    runDir: path.join(RUN_ROOT, stack),
    privateBridge: `${id}-priv`,
    publicBridge: `${id}-pub`,
    cgroupName: `shop-lab-${id}`,
  };
}

/**
 * Where the running lab's stack file lives: up writes it, every day-2 change rewrites it, the
 * failover edits it, and the `--lab` commands read it, so they all act on the current stack.
 */
export const labStackDir = (names: LabNames) => path.join(names.runDir, "stack");

/** Host-side veth names of host number `index` (private and public side). */
export function vethNames(stack: string, index: number): { privateVeth: string; publicVeth: string } {
  const id = labNames(stack).privateBridge.slice(0, 7);
  return { privateVeth: `${id}-p${index}`, publicVeth: `${id}-u${index}` };
}
