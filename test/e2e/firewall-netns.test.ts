import * as assert from "node:assert/strict";
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { renderNftables } from "../../components/hostconfig/nftables";
import { namedConnections } from "../../components/hostconfig/connections";
import { appNodes, dbPrimary, dbReplicas, nthAddress, parseIpv4Cidr } from "../../components/config";
import { stackSpec } from "../helpers/stacks";
import { requireTool, run, tempDir } from "../helpers/tools";

/**
 * The rendered app and db rulesets, loaded for real into network namespaces that carry the
 * spec's own addresses (isolated, so borrowing them is harmless), probed with real TCP listeners.
 */

const PYTHON = "/usr/bin/python3";

/** Accepts and closes connections on every port given: a stand-in for sshd, nginx, MariaDB, Redis. */
const LISTENER = `
import selectors, socket, sys
sel = selectors.DefaultSelector()
for port in map(int, sys.argv[1:]):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16); s.setblocking(False); sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select(timeout=60):
        conn, _ = key.fileobj.accept(); conn.close()
`;

/** Prints one line per target: open, refused or timeout (a dropped SYN). Probes run in parallel. */
const PROBE = `
import socket, sys
from concurrent.futures import ThreadPoolExecutor
def probe(target):
    host, port = target.rsplit(":", 1)
    s = socket.socket(); s.settimeout(1.5)
    try:
        s.connect((host, int(port))); return "open"
    except socket.timeout:
        return "timeout"
    except OSError:
        return "refused"
    finally:
        s.close()
with ThreadPoolExecutor(max_workers=16) as pool:
    for target, result in zip(sys.argv[1:], pool.map(probe, sys.argv[1:])):
        print(target, result)
`;

/** Sends a burst of ICMP echo requests at once and prints how many replies came back in 2 s. */
const PING_BURST = `
import os, socket, struct, sys, time
def checksum(data):
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF); total += total >> 16
    return ~total & 0xFFFF
target, count = sys.argv[1], int(sys.argv[2])
ident = os.getpid() & 0xFFFF
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
for seq in range(count):
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    s.sendto(struct.pack("!BBHHH", 8, 0, checksum(header), ident, seq), (target, 0))
replies, deadline = set(), time.time() + 2
while time.time() < deadline:
    s.settimeout(max(deadline - time.time(), 0.01))
    try:
        packet = s.recv(2048)
    except socket.timeout:
        break
    kind, _, _, rid, seq = struct.unpack("!BBHHH", packet[20:28])
    if kind == 0 and rid == ident:
        replies.add(seq)
print(len(replies))
`;

interface Probe {
  from: string;
  to: string;
  port: number;
  expect: "open" | "closed";
}

test("app and db nftables rulesets filter real traffic between namespaces", async (t) => {
  if (!requireTool(t, "ip") || !requireTool(t, "nft") || !requireTool(t, PYTHON)) return;
  if (process.getuid?.() !== 0) {
    t.skip("network namespaces need root");
    return;
  }
  const spec = stackSpec("demo");
  const app = appNodes(spec)[0];
  const primary = dbPrimary(spec);
  const replica = dbReplicas(spec)[0];
  const adminCidr = spec.sshCidrs.map(parseIpv4Cidr).find((c) => c !== undefined)!;
  const adminIp = nthAddress(adminCidr, adminCidr.prefix === 32 ? 0 : 1);
  const monitorCidr = spec.monitoringCidrs.map(parseIpv4Cidr).find((c) => c !== undefined)!;
  const monitorIp = nthAddress(monitorCidr, monitorCidr.prefix === 32 ? 0 : 1);
  const outsideIp = "203.0.113.77";
  assert.ok(!spec.sshCidrs.some((c) => c.startsWith("203.0.113.")), "the outside address is not an admin address");

  const dir = tempDir(t);
  const listenerPy = path.join(dir, "listener.py");
  const probePy = path.join(dir, "probe.py");
  const pingPy = path.join(dir, "ping.py");
  fs.writeFileSync(listenerPy, LISTENER);
  fs.writeFileSync(probePy, PROBE);
  fs.writeFileSync(pingPy, PING_BURST);

  const tag = `s4${process.pid % 100000}`;
  const hosts: Record<string, string> = {
    outside: outsideIp,
    admin: adminIp,
    monitor: monitorIp,
    lb: spec.network.lbPrivateIp,
    app: app.privateIp,
    db: primary.privateIp,
    replica: replica.privateIp,
  };
  const ns = (name: string) => `${tag}-${name}`;
  const hub = ns("hub");
  const must = (args: string[]) => {
    const r = run("ip", args);
    assert.equal(r.status, 0, `ip ${args.join(" ")}: ${r.stderr}`);
  };
  const listeners: ChildProcess[] = [];

  t.after(() => {
    for (const p of listeners) p.kill("SIGKILL");
    // Deleting a namespace removes its veth ends and the bridge with it.
    for (const name of [...Object.keys(hosts), "hub"]) run("ip", ["netns", "del", ns(name)]);
  });

  must(["netns", "add", hub]);
  must(["-n", hub, "link", "add", "br0", "type", "bridge"]);
  must(["-n", hub, "link", "set", "br0", "up"]);
  Object.entries(hosts).forEach(([name, ip], i) => {
    const inner = `${tag}i${i}`;
    const outer = `${tag}o${i}`;
    must(["netns", "add", ns(name)]);
    must(["link", "add", inner, "netns", ns(name), "type", "veth", "peer", "name", outer, "netns", hub]);
    must(["-n", hub, "link", "set", outer, "master", "br0", "up"]);
    must(["-n", ns(name), "link", "set", "lo", "up"]);
    must(["-n", ns(name), "link", "set", inner, "name", "eth0"]);
    must(["-n", ns(name), "addr", "add", `${ip}/32`, "dev", "eth0"]);
    must(["-n", ns(name), "link", "set", "eth0", "up"]);
    // One flat link: every address is reached by ARP on eth0, whatever its subnet.
    must(["-n", ns(name), "route", "add", "default", "dev", "eth0"]);
  });

  for (const name of ["app", "db", "replica"]) {
    const p = spawn("ip", ["netns", "exec", ns(name), PYTHON, listenerPy, "22", "80", "3306", "6379", "6380", "9100"], { stdio: ["ignore", "pipe", "inherit"] });
    listeners.push(p);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`listener in ${name} did not start`)), 10_000);
      p.stdout!.once("data", () => {
        clearTimeout(timer);
        resolve();
      });
      p.once("exit", (code) => reject(new Error(`listener in ${name} exited ${code}`)));
    });
  }

  const probeFrom = (from: string, targets: string[]): Promise<Map<string, string>> =>
    new Promise((resolve, reject) => {
      execFile("ip", ["netns", "exec", ns(from), PYTHON, probePy, ...targets], { timeout: 30_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`probe from ${from}: ${stderr || err.message}`));
        else resolve(new Map(stdout.trim().split("\n").map((l) => l.split(" ") as [string, string])));
      });
    });

  // Without rules every listener answers: a closed port later is the firewall's doing.
  const baseline = await probeFrom("outside", [`${hosts.app}:22`, `${hosts.app}:80`, `${hosts.db}:3306`, `${hosts.db}:6379`]);
  assert.deepEqual([...baseline.values()], ["open", "open", "open", "open"], "listeners answer before the rules load");

  for (const [name, node] of [
    ["app", app],
    ["db", primary],
    ["replica", replica],
  ] as const) {
    const rules = path.join(dir, `${name}.nft`);
    fs.writeFileSync(rules, renderNftables(spec, node));
    const r = run("ip", ["netns", "exec", ns(name), "nft", "-f", rules]);
    assert.equal(r.status, 0, `loading ${node.name}'s ruleset: ${r.stderr}`);
  }

  const probes: Probe[] = [
    { from: "outside", to: "app", port: 22, expect: "closed" },
    { from: "outside", to: "db", port: 22, expect: "closed" },
    { from: "outside", to: "db", port: 3306, expect: "closed" },
    { from: "outside", to: "db", port: 6379, expect: "closed" },
    { from: "outside", to: "app", port: 80, expect: "closed" },
    { from: "admin", to: "app", port: 22, expect: "open" },
    { from: "admin", to: "db", port: 22, expect: "open" },
    { from: "admin", to: "app", port: 80, expect: "closed" },
    { from: "admin", to: "db", port: 3306, expect: "closed" },
    { from: "app", to: "db", port: 3306, expect: "open" },
    { from: "app", to: "db", port: 6379, expect: "open" },
    { from: "app", to: "db", port: 22, expect: "closed" },
    { from: "lb", to: "app", port: 80, expect: "open" },
    { from: "lb", to: "db", port: 3306, expect: "closed" },
    { from: "db", to: "app", port: 80, expect: "closed" },
    { from: "replica", to: "db", port: 3306, expect: "open" },
    { from: "db", to: "replica", port: 3306, expect: "open" },
    { from: "monitor", to: "app", port: 9100, expect: "open" },
    { from: "monitor", to: "db", port: 9100, expect: "open" },
    { from: "monitor", to: "db", port: 3306, expect: "closed" },
    { from: "outside", to: "app", port: 9100, expect: "closed" },
    { from: "outside", to: "db", port: 6380, expect: "closed" },
    { from: "admin", to: "db", port: 6380, expect: "closed" },
    { from: "lb", to: "db", port: 6380, expect: "closed" },
  ];
  // Derived from the rendered config, not the design: every private connection a host's bundle
  // names (DSNs, host:port pairs) is opened from that host and must succeed.
  const nsOf = new Map([
    [app.name, "app"],
    [primary.name, "db"],
    [replica.name, "replica"],
  ]);
  const derived = [app, primary, replica].flatMap((node) => namedConnections(spec, node).filter((c) => nsOf.has(c.to)));
  assert.ok(derived.some((c) => c.port === 6380), "the app's rendered .env.local names the cache Redis");
  for (const c of derived) probes.push({ from: nsOf.get(c.from)!, to: nsOf.get(c.to)!, port: c.port, expect: "open" });
  // Every source namespace probes at once; each target in its own thread.
  const sources = [...new Set(probes.map((p) => p.from))];
  const seenFrom = new Map(
    await Promise.all(sources.map(async (from) => [from, await probeFrom(from, probes.filter((p) => p.from === from).map((p) => `${hosts[p.to]}:${p.port}`))] as const)),
  );
  const results: string[] = [];
  for (const from of sources) {
    const seen = seenFrom.get(from)!;
    for (const p of probes.filter((p) => p.from === from)) {
      const got = seen.get(`${hosts[p.to]}:${p.port}`);
      const verdict = got === "open" ? "open" : "closed";
      results.push(`${p.from} (${hosts[p.from]}) → ${p.to}:${p.port}: ${got} (expected ${p.expect})${verdict === p.expect ? "" : "  <-- WRONG"}`);
    }
  }
  for (const line of results) t.diagnostic(line);
  assert.ok(!results.some((l) => l.endsWith("WRONG")), results.join("\n"));

  // ICMP is answered, but a burst beyond the limit's burst size is cut off.
  const burst = 100;
  const ping = run("ip", ["netns", "exec", ns("outside"), PYTHON, pingPy, hosts.app, String(burst)], { timeout: 30_000 });
  assert.equal(ping.status, 0, ping.stderr);
  const replies = Number(ping.stdout.trim());
  t.diagnostic(`outside → app: ${burst} echo requests at once, ${replies} replies`);
  assert.ok(replies > 0 && replies <= 30, `${replies} replies to ${burst} echo requests`);
});
