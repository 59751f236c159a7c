import { isIPv4 } from "net";
import { appNodes, NodeSpec, ShopSpec } from "../../../components/config";
import { hostSshArgs } from "./exec";
import type { DeployNode } from "./run";

/**
 * The SSH user when --user is not given: the stack's only user with `role`. With none or several,
 * the caller must name one. The host decides (sudo) whether that user may act, not the CLI.
 */
export function soleUserOfRole(spec: ShopSpec, role: string, given: string | undefined): { user: string } | { problem: string } {
  if (given) return { user: given };
  const users = spec.users.filter((u) => u.role === role).map((u) => u.name);
  if (users.length === 1) return { user: users[0] };
  return { problem: `--user: the stack has ${users.length} ${role}-role users (${users.join(", ") || "none"}); name one with --user NAME` };
}

/**
 * The nodes' addresses from `pulumi stack output --json` (its `hosts` output, index.ts) or a
 * file holding it, checked against the stack: every wanted node (default: the app nodes) once,
 * each with a public IPv4. Returns every problem together.
 */
export function nodesFromHosts(
  spec: ShopSpec,
  json: string,
  source: string,
  user: string,
  key?: string,
  wanted: NodeSpec[] = appNodes(spec),
): { nodes: DeployNode[] } | { problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    return { problems: [`${source}: not JSON (${(err as Error).message}); allowed: the output of pulumi stack output --json, or its hosts array`] };
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { hosts?: unknown })?.hosts;
  if (!Array.isArray(list)) return { problems: [`${source}: found no hosts list; allowed: an object with "hosts" (pulumi stack output --json) or an array`] };
  const problems: string[] = [];
  const nodes: DeployNode[] = [];
  for (const node of wanted) {
    const entry = list.find((h) => (h as { name?: unknown })?.name === node.name) as { publicIpv4?: unknown } | undefined;
    if (!entry) {
      problems.push(`${source}: no entry for node ${node.name}`);
      continue;
    }
    if (typeof entry.publicIpv4 !== "string" || !isIPv4(entry.publicIpv4)) {
      problems.push(`${source}: ${node.name}.publicIpv4 is ${JSON.stringify(entry.publicIpv4 ?? null)}; allowed: an IPv4 address`);
      continue;
    }
    nodes.push({ node, target: { name: node.name, ssh: hostSshArgs(entry.publicIpv4, user, key) } });
  }
  return problems.length ? { problems } : { nodes };
}
