import * as assert from "node:assert/strict";
import { test } from "node:test";
import { namedConnections } from "../../components/hostconfig/connections";
import { hostInboundRules } from "../../components/hostconfig/nftables";
import { allStacks, stackSpec } from "../helpers/stacks";

test("every private connection a host's rendered config names is admitted by the target's nftables rules", () => {
  const refused: string[] = [];
  let checked = 0;
  for (const stack of allStacks()) {
    const spec = stackSpec(stack);
    for (const node of spec.nodes)
      for (const c of namedConnections(spec, node)) {
        checked++;
        const target = spec.nodes.find((n) => n.name === c.to)!;
        const admitted = hostInboundRules(spec, target).some((r) => r.protocol === "tcp" && r.port === String(c.port) && r.sourceIps.includes(`${node.privateIp}/32`));
        if (!admitted) refused.push(`${stack}: ${c.from} → ${c.to}:${c.port} (named in ${c.file})`);
      }
  }
  assert.ok(checked > 0, "the rendered configs name private connections");
  assert.deepEqual(refused, []);
});

test("the demo app node's .env.local names the cache Redis on 6380, the sessions Redis and MariaDB", () => {
  const spec = stackSpec("demo");
  const app = spec.nodes.find((n) => n.roles.includes("app"))!;
  const ports = new Set(namedConnections(spec, app).map((c) => c.port));
  for (const p of [3306, 6379, 6380]) assert.ok(ports.has(p), `port ${p} named`);
});

test("the replica's db.env and redis-role.conf name the primary, so both replications are probed too", () => {
  const spec = stackSpec("demo");
  const replica = spec.nodes.find((n) => n.roles.includes("db-replica"))!;
  const primary = spec.nodes.find((n) => n.roles.includes("db-primary"))!;
  assert.deepEqual(
    namedConnections(spec, replica).map((c) => `${c.to}:${c.port} ${c.file}`),
    [`${primary.name}:3306 /etc/shop/db.env`, `${primary.name}:6379 /etc/redis/redis-role.conf`],
  );
});
