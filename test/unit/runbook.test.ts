import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { buildRunbook } from "../../components/runbook/data";
import { renderRunbook } from "../../components/runbook/render";
import { TEST_PROVENANCE } from "../helpers/checklist";
import { allStacks, ROOT, stackSpec } from "../helpers/stacks";

/** Addresses as the stack outputs would carry them (TEST-NET, one per host). */
function addresses(names: string[]) {
  return names.map((name, i) => ({ name, publicIpv4: `203.0.113.${20 + i}`, publicIpv6: `2001:db8:0:${i + 1}::1` }));
}

for (const stack of allStacks())
  test(`runbook of ${stack}: every host, contact, login and procedure, in English and German`, () => {
    const spec = stackSpec(stack);
    const data = buildRunbook(spec, addresses(spec.nodes.map((n) => n.name)), { ipv4: "203.0.113.100", ipv6: "2001:db8:1::1" });
    for (const lang of ["en", "de"] as const) {
      const md = renderRunbook(data, lang, TEST_PROVENANCE);
      for (const h of data.hosts)
        for (const fact of [h.name, h.publicIpv4, h.publicIpv6, h.privateIp, h.serverType, h.location, h.rebootTime]) assert.ok(md.includes(fact), `${lang}: ${h.name} lacks ${fact}`);
      for (const c of Object.values(spec.contacts)) for (const fact of [c.name, c.phone, c.email]) assert.ok(md.includes(fact), `${lang} lacks contact ${fact}`);
      for (const u of spec.users) assert.match(md, new RegExp(`\\| ${u.name} \\| ${u.role} \\|`));
      for (const cidr of spec.sshCidrs) assert.ok(md.includes(cidr), `${lang} lacks SSH source ${cidr}`);
      assert.ok(md.includes(`Storage Box ${spec.backup.storageBoxType}`));
      assert.match(md, /shop-restore db --snapshot SNAPSHOT_ID --stdout' \| ssh \S+ 'sudo mariadb /);
      assert.ok(md.includes(`pulumi config set --path 'shop:dns.target' lb --stack ${stack}`), "cutover command");
      assert.ok(md.includes("RESET SLAVE ALL"), "promotion");
      assert.ok(md.includes(data.deploy.order.join(" → ")), "rolling order");
    }
  });

test("every shop-restore call in the runbook is a subcommand and option the real script accepts", () => {
  const script = fs.readFileSync(path.join(ROOT, "components", "files", "shop-restore.sh"), "utf8");
  const usage = script.split("\n").filter((l) => l.startsWith("#   shop-restore")).join("\n");
  const spec = stackSpec("demo");
  const md = renderRunbook(buildRunbook(spec, addresses(spec.nodes.map((n) => n.name)), { ipv4: "203.0.113.100", ipv6: "2001:db8:1::1" }), "en", TEST_PROVENANCE);
  const calls = [...md.matchAll(/shop-restore ([a-z]+)((?: --?[a-z-]+(?: [A-Za-z0-9_/.-]+)?)*)/g)];
  assert.ok(calls.length >= 4);
  for (const [, sub, opts] of calls) {
    assert.ok(usage.includes(`shop-restore ${sub}`), `shop-restore has no subcommand ${sub}`);
    for (const opt of opts.match(/--[a-z-]+/g) ?? []) assert.ok(usage.includes(opt), `shop-restore ${sub} has no option ${opt}`);
  }
});

test("a stack that is still on its old host says so and rolls back to that address", () => {
  const spec = stackSpec("demo");
  spec.dns.target = "198.51.100.80";
  const md = renderRunbook(buildRunbook(spec, addresses(spec.nodes.map((n) => n.name)), { ipv4: "203.0.113.100", ipv6: "2001:db8:1::1" }), "de", TEST_PROVENANCE);
  assert.match(md, /noch an das Altsystem 198\.51\.100\.80/);
  assert.ok(md.includes("pulumi config set --path 'shop:dns.target' 198.51.100.80 --stack demo"));
});
