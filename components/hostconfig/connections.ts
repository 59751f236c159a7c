import type { NodeSpec, ShopSpec } from "../config";
import { renderHostBundle } from "./bundle";

/** One private connection a host's rendered config names: from this host to a node's address and port. */
export interface NamedConnection {
  from: string;
  to: string;
  toIp: string;
  port: number;
  /** The host file that names it (a DSN or a host:port pair). */
  file: string;
}

/**
 * Every private connection a node's rendered bundle names (DSNs such as
 * `redis://…@10.0.1.3:6380/0` and bare `10.0.1.3:3306` pairs), read from the rendered files
 * themselves, not from the design: the firewall probes are derived from this list.
 */
export function namedConnections(spec: ShopSpec, node: NodeSpec): NamedConnection[] {
  const byIp = new Map(spec.nodes.map((n) => [n.privateIp, n.name]));
  const seen = new Map<string, NamedConnection>();
  for (const f of renderHostBundle(spec, node).files)
    for (const m of f.content.matchAll(/(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})(?!\d)/g)) {
      const to = byIp.get(m[1]);
      if (!to || to === node.name) continue;
      const key = `${m[1]}:${m[2]}`;
      if (!seen.has(key)) seen.set(key, { from: node.name, to, toIp: m[1], port: Number(m[2]), file: f.path });
    }
  return [...seen.values()].sort((a, b) => a.to.localeCompare(b.to) || a.port - b.port);
}
