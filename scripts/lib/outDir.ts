import * as path from "path";
import { ConfigError, isStackName, STACK_NAME_RULE } from "../../components/config";

/**
 * The one way from a stack name to its directory under out/: the name must be a valid stack
 * name, and the resolved path must be a direct child of the resolved out root. Everything the
 * CLIs write or delete for a stack goes through here.
 */
export function stackOutDir(outRoot: string, stack: string): string {
  if (!isStackName(stack)) throw new ConfigError([{ path: "stack", found: JSON.stringify(stack), allowed: STACK_NAME_RULE }]);
  const root = path.resolve(outRoot);
  const dir = path.resolve(root, stack);
  if (path.dirname(dir) !== root || path.basename(dir) !== stack) throw new Error(`refusing ${dir}: it is not a directory directly inside ${root}`);
  return dir;
}
