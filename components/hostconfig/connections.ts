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

const IPV4 = String.raw`\d{1,3}(?:\.\d{1,3}){3}`;

/**
 * host/port pairs as the renderers write them: DSNs and `ip:port`, env files (`X_HOST=` +
 * `X_PORT=`), JSON (`"host": …, "port": …`), Redis's `replicaof HOST PORT`.
 */
function addressesIn(content: string): { ip: string; port: string }[] {
  const found = [...content.matchAll(new RegExp(String.raw`(?<![\d.])(${IPV4}):(\d{1,5})(?!\d)`, "g"))].map((m) => ({ ip: m[1], port: m[2] }));
  for (const m of content.matchAll(new RegExp(String.raw`^(\w+)_HOST=(${IPV4})$`, "gm"))) {
    const port = new RegExp(String.raw`^${m[1]}_PORT=(\d{1,5})$`, "m").exec(content);
    if (port) found.push({ ip: m[2], port: port[1] });
  }
  for (const m of content.matchAll(new RegExp(String.raw`"host":\s*"(${IPV4})",\s*"port":\s*(\d{1,5})`, "g"))) found.push({ ip: m[1], port: m[2] });
  for (const m of content.matchAll(new RegExp(String.raw`^replicaof (${IPV4}) (\d{1,5})$`, "gm"))) found.push({ ip: m[1], port: m[2] });
  return found;
}

/**
 * Every private connection a node's rendered bundle names, read from the rendered files
 * themselves, not from the design: the firewall probes are derived from this list.
 */
export function namedConnections(spec: ShopSpec, node: NodeSpec): NamedConnection[] {
  const byIp = new Map(spec.nodes.map((n) => [n.privateIp, n.name]));
  const seen = new Map<string, NamedConnection>();
  for (const f of renderHostBundle(spec, node).files)
    for (const { ip, port } of addressesIn(f.content)) {
      const to = byIp.get(ip);
      if (!to || to === node.name) continue;
      const key = `${ip}:${port}`;
      if (!seen.has(key)) seen.set(key, { from: node.name, to, toIp: ip, port: Number(port), file: f.path });
    }
  return [...seen.values()].sort((a, b) => a.to.localeCompare(b.to) || a.port - b.port);
}
