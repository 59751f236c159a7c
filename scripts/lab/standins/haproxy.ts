import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import type { LabNames } from "../paths";
import { run, waitFor } from "../proc";
import { spawnInCgroup } from "../spawn";
import type { LabLoadBalancer } from "../topology";
import type { LabEdge } from "./edge";

/** Where the edge stand-in sends the shop's traffic. */
export interface EdgeOrigin {
  ip: string;
  port: number;
}
const EDGE_BACKEND = "cloudflare_origin";
const EDGE_SERVER = "origin";

/** Hetzner's algorithm names → HAProxy's. */
const ALGORITHMS: Record<string, string> = { least_connections: "leastconn", round_robin: "roundrobin" };

/** The HAProxy stats socket: the scenarios read server states from it. */
export function haproxySocket(names: LabNames): string {
  return path.join(names.runDir, "haproxy", "admin.sock");
}

/**
 * HAProxy as the Hetzner LB the plan declares: same algorithm, HTTP health check (path, Host,
 * expected status, interval, timeout, retries), private targets, private source address.
 * Hetzner terminates TLS on 443 with the origin certificate; the stand-in serves plain HTTP on
 * the destination port and leaves TLS out.
 */
export function renderHaproxyConfig(lb: LabLoadBalancer, socket: string, edge?: { edge: LabEdge; origin: EdgeOrigin }): string {
  const algorithm = ALGORITHMS[lb.algorithm];
  if (!algorithm) throw new Error(`LB algorithm ${lb.algorithm} has no HAProxy equivalent in the lab`);
  const hc = lb.healthCheck;
  return [
    "# Lab stand-in for the Hetzner load balancer, generated from the plan's LB resources.",
    "global",
    `    stats socket ${socket} mode 600 level admin`,
    "    log stdout format raw local0 info",
    "defaults",
    "    mode http",
    "    log global",
    "    option httplog",
    "    timeout connect 5s",
    "    timeout client 30s",
    "    timeout server 30s",
    "frontend shop",
    `    bind ${lb.publicIp}:${lb.destinationPort}`,
    "    option forwardfor",
    "    default_backend app_nodes",
    "backend app_nodes",
    `    balance ${algorithm}`,
    `    source ${lb.privateIp}`,
    "    option httpchk",
    `    http-check send meth GET uri ${hc.path} ver HTTP/1.1 hdr Host ${hc.domain}`,
    `    http-check expect status ${hc.statusCodes.join(",")}`,
    `    timeout check ${hc.timeout}s`,
    // Hetzner marks a target down after `retries` failed checks; coming back is assumed symmetric (not confirmed).
    `    default-server check port ${hc.port} inter ${hc.interval}s fall ${hc.retries} rise ${hc.retries}`,
    ...lb.targets.map((t) => `    server ${t.name} ${t.ip}:${lb.destinationPort}`),
    ...(edge
      ? [
          "# The Cloudflare edge stand-in (standins/edge.ts): TLS for the shop's names, then the origin the DNS records name",
          "# (the LB, or before a cutover the old host; standins/dns.ts moves it) from the edge address.",
          "frontend cloudflare_edge",
          `    bind ${edge.edge.address}:443 ssl crt ${edge.edge.pem}`,
          "    option forwardfor",
          `    default_backend ${EDGE_BACKEND}`,
          `backend ${EDGE_BACKEND}`,
          `    source ${edge.edge.address}`,
          `    server ${EDGE_SERVER} ${edge.origin.ip}:${edge.origin.port}`,
        ]
      : []),
    "",
  ].join("\n");
}

export async function startHaproxy(names: LabNames, lb: LabLoadBalancer, edge?: { edge: LabEdge; origin: EdgeOrigin }): Promise<void> {
  const dir = path.join(names.runDir, "haproxy");
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, "haproxy.cfg");
  fs.writeFileSync(config, renderHaproxyConfig(lb, haproxySocket(names), edge));
  run("haproxy", ["-c", "-q", "-f", config]);
  spawnInCgroup(`${names.cgroupName}/standin-haproxy`, "haproxy", ["-db", "-f", config], path.join(dir, "haproxy.log"));
  await waitFor("HAProxy's admin socket", 20_000, () => fs.existsSync(haproxySocket(names)));
}

/** One command on HAProxy's admin socket; its answer (bounded: 5 s). */
function adminCommand(names: LabNames, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const conn = net.createConnection(haproxySocket(names), () => conn.end(`${command}\n`));
    conn.setTimeout(5000, () => conn.destroy(new Error(`HAProxy admin socket: no answer to ${command}`)));
    conn.on("data", (c: Buffer) => chunks.push(c));
    conn.on("error", reject);
    conn.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/** Points the edge stand-in at another origin at once, as a changed proxied record does at Cloudflare. */
export async function setEdgeOrigin(names: LabNames, origin: EdgeOrigin): Promise<void> {
  const answer = (await adminCommand(names, `set server ${EDGE_BACKEND}/${EDGE_SERVER} addr ${origin.ip} port ${origin.port}`)).trim();
  // HAProxy answers an address change with a note of what changed, or with nothing when it was already so.
  if (answer && !/changed|no need to change/i.test(answer)) throw new Error(`HAProxy refused the edge's new origin ${origin.ip}:${origin.port}: ${answer}`);
}

/** Server name → HAProxy's view of it (UP, DOWN, …). */
export async function backendStates(names: LabNames): Promise<Record<string, string>> {
  const csv = await adminCommand(names, "show stat");
  const states: Record<string, string> = {};
  for (const line of csv.split("\n")) {
    const f = line.split(",");
    if (f[0] === "app_nodes" && f[1] && f[1] !== "BACKEND") states[f[1]] = f[17];
  }
  return states;
}
