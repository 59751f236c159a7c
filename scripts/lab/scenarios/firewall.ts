import { NODE_EXPORTER_PORT, SSH_PORT } from "../../../components/security/firewallRules";
import { namedConnections } from "../../../components/hostconfig/connections";
import { MARIADB_PORT } from "../../../components/hostconfig/shopware";
import { REDIS_PORT, redisHost } from "../../../components/hostconfig/redis";
import { appNodes, dbPrimary, dbReplicas } from "../../../components/config";
import { ProbeResult, tcpProbe, tcpProbeFromHost } from "../probe";
import { check, LabContext, Scenario } from "./context";

interface Probe {
  what: string;
  /** "open" must connect; "closed" must not (a listener exists, so a refusal is the firewall's). */
  expect: "open" | "closed";
  probe: () => Promise<ProbeResult>;
}

/**
 * 6. SEC-1. The "open" probes come from what the code renders: every private connection a
 * host's bundle names (DSNs and host:port pairs, hostconfig/connections.ts: the cache Redis on
 * its own port included) and the LB's health check port from the plan. The "closed" ones are
 * the design's boundaries: SSH only from admin/deployer CIDRs, nothing from outside, DB and
 * Redis not from the LB, app HTTP only from the LB (D5). Every "closed" probe targets a port
 * with a listener on that address, so a pass is the firewall's doing, not an absent service.
 */
export const firewallScenario: Scenario = {
  id: 6,
  title: "Firewall (SEC-1)",
  timeoutMs: 180_000,
  async run(ctx: LabContext) {
    const { names, topo } = ctx;
    const side = topo.publicSide;
    const ip = (name: string) => topo.hosts.find((h) => h.name === name)!;
    const primary = dbPrimary(ctx.spec).name;
    const replica = dbReplicas(ctx.spec)[0]?.name;
    const redis = redisHost(ctx.spec).name;
    const [app1, app2] = appNodes(ctx.spec).map((n) => n.name);
    const lb = topo.loadBalancer.privateIp;
    const appPort = topo.loadBalancer.healthCheck.port;
    const probes: Probe[] = [];
    for (const h of topo.hosts) {
      probes.push({ what: `outside → ${h.name}:${SSH_PORT}`, expect: "closed", probe: () => tcpProbe(side.outside, h.publicIp, SSH_PORT) });
      probes.push({ what: `admin → ${h.name}:${SSH_PORT}`, expect: "open", probe: () => tcpProbe(side.admin, h.publicIp, SSH_PORT) });
      probes.push({ what: `outside → ${h.name}:${NODE_EXPORTER_PORT}`, expect: "closed", probe: () => tcpProbe(side.outside, h.publicIp, NODE_EXPORTER_PORT) });
    }
    // Between two hosts only: a host reaching its own private IP goes over loopback, which is always open.
    const between = (from: string, to: string, port: number, expect: Probe["expect"]) => {
      if (from !== to) probes.push({ what: `${from} → ${to}:${port}`, expect, probe: () => tcpProbeFromHost(names, from, ip(to).privateIp, port) });
    };
    for (const app of [app1, app2]) probes.push({ what: `LB ${lb} → ${app}:${appPort}`, expect: "open", probe: () => tcpProbe(lb, ip(app).privateIp, appPort) });
    // Every connection a host's rendered config will make must get through.
    const derived = topo.hosts.flatMap((h) => namedConnections(ctx.spec, h.node));
    for (const c of derived) probes.push({ what: `${c.from} → ${c.to}:${c.port} (named in ${c.file})`, expect: "open", probe: () => tcpProbeFromHost(names, c.from, c.toIp, c.port) });
    const dbOnly = topo.hosts.find((h) => !h.node.roles.includes("app"))?.name;
    if (dbOnly) between(dbOnly, app1, appPort, "closed");
    between(app2, app1, appPort, "closed");
    probes.push({ what: `LB ${lb} → ${primary}:${MARIADB_PORT}`, expect: "closed", probe: () => tcpProbe(lb, ip(primary).privateIp, MARIADB_PORT) });
    probes.push({ what: `LB ${lb} → ${redis}:${REDIS_PORT}`, expect: "closed", probe: () => tcpProbe(lb, ip(redis).privateIp, REDIS_PORT) });
    if (replica) {
      probes.push({ what: `LB ${lb} → ${replica}:${MARIADB_PORT}`, expect: "closed", probe: () => tcpProbe(lb, ip(replica).privateIp, MARIADB_PORT) });
    }

    // All at once: a dropped probe waits out its timeout, and there are many of them.
    const results = await Promise.all(probes.map((p) => p.probe()));
    const wrong = probes.flatMap((p, i) => ((results[i] === "open") !== (p.expect === "open") ? [`${p.what}: ${results[i]}, expected ${p.expect}`] : []));
    check(derived.length > 0, "no host's rendered config names a private connection: the derivation found nothing to probe");
    check(!wrong.length, `${wrong.length} of ${probes.length} probes are wrong:\n${wrong.join("\n")}`);
    const open = probes.filter((p) => p.expect === "open").length;
    const ports = [...new Set(derived.map((c) => c.port))].sort((a, b) => a - b).join(", ");
    return `${probes.length} probes pass (${open} open, ${probes.length - open} closed): ${derived.length} connections named by the rendered configs (ports ${ports}) get through; SSH only from admin, DB/Redis not from the LB, app HTTP only from the LB`;
  },
};
