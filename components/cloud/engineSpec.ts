import * as pulumi from "@pulumi/pulumi";
import { buildSpec, fromPulumiConfig, LoadedSpec } from "../config/load";
import { ConfigError } from "../config/problems";

/**
 * The spec as the real engine (and the offline plan, which feeds the same config) sees it.
 * A RunError prints its message without a stack trace.
 */
export function specFromPulumiConfig(): LoadedSpec {
  try {
    return buildSpec(fromPulumiConfig(pulumi.runtime.allConfig()), { stack: pulumi.getStack() });
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
