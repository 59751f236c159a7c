import * as path from "path";
import { buildSpec, readStackFile, ShopSpec, stackFilePath } from "../../../components/config";
import type { Role } from "../../../components/config/schema";
import { fail } from "../cli";
import type { DeployTarget } from "../deploy/exec";
import { hostsJson } from "../deploy/hosts";
import { nodesFromHosts, soleUserOfRole } from "../deploy/targets";
import type { WarmOrigin } from "../deploy/warm";
import { PROJECT_ROOT } from "../offlinePlan";
import { labReach } from "../../lab/deployTargets";

/** How an on-call command reaches a stack: every node as one role's user, and the shop's public side. */
export interface StackReach {
  spec: ShopSpec;
  stackFile: string;
  /** Every node by its full name. */
  targets: Map<string, DeployTarget>;
  /** Where the shop's public URL is fetched: its own DNS name, or (the lab) the LB stand-in. */
  shopOrigin: WarmOrigin;
  /** The lab's LB stand-in serves plain HTTP: there is no certificate to read. */
  lab: boolean;
}

/** The options every on-call command shares for reaching hosts. */
export const REACH_OPTIONS = (role: Role) => [
  { name: "hosts", value: "FILE", help: "node addresses: pulumi stack output --json saved to FILE (default: runs pulumi stack output)" },
  { name: "lab", help: `act on the stack's running lab (npm run lab -- up) as its ${role} user` },
  { name: "user", value: "NAME", help: `SSH user, a ${role}-role user of the stack (default: the stack's only one)` },
  { name: "key", value: "FILE", help: "SSH private key (default: your SSH agent and config)" },
];

/** Resolves --hosts/--lab/--user/--key into targets; bad input exits with one line per problem. */
export function reachStack(stack: string, flags: Record<string, string | true>, role: Role, usage: string): StackReach {
  if (flags.lab) {
    if (flags.hosts || flags.key || flags.user) fail(`error: --lab brings its own hosts, user and key; drop --hosts, --user and --key\n${usage}`);
    return { ...labReach(stack, role), lab: true };
  }
  const stackFile = stackFilePath(path.join(PROJECT_ROOT, "stacks"), stack);
  const spec = buildSpec(readStackFile(stackFile, stack).raw, { stack }).spec;
  const user = soleUserOfRole(spec, role, typeof flags.user === "string" ? flags.user : undefined);
  if ("problem" in user) fail(`error: ${user.problem}\n${usage}`);
  const { json, source } = hostsJson(stack, typeof flags.hosts === "string" ? flags.hosts : undefined);
  const found = nodesFromHosts(spec, json, source, user.user, typeof flags.key === "string" ? flags.key : undefined, spec.nodes);
  if ("problems" in found) fail(`${found.problems.map((p) => `error: ${p}`).join("\n")}\nnothing was changed.`);
  return { spec, stackFile, targets: new Map(found.nodes.map((n) => [n.node.name, n.target])), shopOrigin: {}, lab: false };
}
