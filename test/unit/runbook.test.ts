import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { dbPrimary, shortNodeName } from "../../components/config";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { markdown } from "../../components/hostconfig/escape";
import { buildRunbook } from "../../components/runbook/data";
import { renderRunbook } from "../../components/runbook/render";
import { scriptCli, TEST_PROVENANCE } from "../helpers/checklist";
import { allStacks, editedStackSpec, ROOT, stackSpec } from "../helpers/stacks";

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
      for (const c of Object.values(spec.contacts)) for (const fact of [c.name, c.phone, c.email]) assert.ok(md.includes(markdown(fact)), `${lang} lacks contact ${fact}`);
      for (const u of spec.users) assert.match(md, new RegExp(`\\| ${u.name} \\| ${u.role} \\|`));
      for (const cidr of spec.sshCidrs) assert.ok(md.includes(cidr), `${lang} lacks SSH source ${cidr}`);
      assert.ok(md.includes(`Storage Box ${spec.backup.storageBoxType}`));
      assert.match(md, /shop-restore db --snapshot SNAPSHOT_ID --stdout' \| ssh \S+ 'sudo mariadb /);
      // The live restore stops, by name, exactly the workers each app node's rendered unit list enables, and only around the load.
      const load = md.indexOf("shop-restore db --snapshot SNAPSHOT_ID --stdout' |");
      for (const n of spec.nodes.filter((x) => x.roles.includes("app"))) {
        const list = renderHostBundle(spec, n).files.find((f) => f.path === "/etc/shop/units/shopware.list")!.content;
        const workers = [...list.matchAll(/^enable (\S+)$/gm)].map((m) => m[1]).join(" ");
        const host = data.hosts.find((h) => h.name === n.name)!;
        const stop = md.indexOf(`ssh $ADMIN@${host.publicIpv4} 'sudo systemctl stop ${workers}'`);
        const start = md.indexOf(`ssh $ADMIN@${host.publicIpv4} 'sudo systemctl start ${workers}'`, load);
        assert.ok(stop >= 0 && stop < load && start > load, `${lang}: the live restore does not stop and start ${n.name}'s workers (${workers}) around the load`);
      }
      assert.ok(md.includes(`npm run cutover -- --stack ${stack}\n`), `${lang}: the cutover`);
      assert.ok(md.includes(`npm run cutover -- --stack ${stack} --rollback`), `${lang}: the rollback`);
      assert.ok(md.includes(`npm run failover -- --stack ${stack}\``), `${lang}: the promotion`);
      assert.ok(md.includes(`sudo shop-health --only shopware\` ${lang === "en" ? "on" : "auf"} ${dbPrimary(spec).name}`), `${lang}: where queue and scheduler alerts come from`);
      assert.ok(md.includes(`sudo systemctl status shop-scheduler\` ${lang === "en" ? "on" : "auf"} ${data.deploy.schedulerHost}`), `${lang}: the scheduler node`);
      assert.ok(md.includes(`npm run failover -- --stack ${stack} --rebuild ${shortNodeName(stack, dbPrimary(spec).name)}`), `${lang}: the old primary's rebuild`);
      assert.ok(md.includes(data.deploy.order.join(" → ")), "rolling order");
      assert.ok(md.includes(`npm run deploy -- --stack ${stack} --hosts hosts.${stack}.json --rollback`), "deploy rollback command");
      if (spec.nodes.some((n) => n.roles.includes("db-replica")))
        assert.match(md, /sudo \/usr\/local\/sbin\/shop-db-reseed send \| ssh \S+ sudo \/usr\/local\/sbin\/shop-db-reseed receive/, `${lang}: the replica re-seed`);
      // Emergency access: the one stack change that lets a stranger in, and the rescue system.
      for (const fact of ["`shop:adminCidrs`", "`shop:users`", "`expires:`", `hcloud server list -l stack=${stack}`, `\`${stack}-<`, "mount /dev/sda1 /mnt"])
        assert.ok(md.includes(fact), `${lang}: emergency access lacks ${fact}`);
      for (const fact of [`pulumi up --refresh --stack ${stack}`, "hcloud server disable-protection NAME delete rebuild", `pulumi up --replace URN --stack ${stack}`])
        assert.ok(md.includes(fact), `${lang}: the lost-host procedure lacks ${fact}`);
    }
  });

for (const [command, least] of [["deploy", 3], ["failover", 2], ["status", 1], ["verify-hosts", 1], ["backup", 1], ["cutover", 4]] as const) {
  test(`every npm run ${command} option in the runbook is one the ${command} CLI's --help lists`, () => {
    const help = scriptCli(command, ["--help"]);
    assert.equal(help.status, 0, help.stderr);
    const known = new Set([...help.stdout.matchAll(/^  --([a-z-]+)/gm)].map((m) => m[1]));
    assert.ok(known.has("stack") && known.size > 3, help.stdout);
    const spec = stackSpec("demo");
    const md = renderRunbook(buildRunbook(spec, addresses(spec.nodes.map((n) => n.name)), { ipv4: "203.0.113.100", ipv6: "2001:db8:1::1" }), "en", TEST_PROVENANCE);
    const calls = [...md.matchAll(new RegExp(`npm run ${command} -- [^\`\n]*`, "g"))].map((m) => m[0]);
    assert.ok(calls.length >= least, `the runbook shows npm run ${command} at least ${least} times`);
    for (const call of calls) for (const [, opt] of call.matchAll(/--([a-z-]+)/g)) assert.ok(known.has(opt), `the runbook uses --${opt}, which npm run ${command} does not have: ${call}`);
  });
}

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
  assert.ok(md.includes("npm run cutover -- --stack demo --rollback --to 198.51.100.80"));
});

test("the runbook opens with \"shop is down\" triage for the admin on call, then logs per unit, alerts and maintenance", () => {
  for (const stack of allStacks()) {
    const spec = stackSpec(stack);
    const data = buildRunbook(spec, addresses(spec.nodes.map((n) => n.name)), { ipv4: "203.0.113.100", ipv6: "2001:db8:1::1" });
    for (const [lang, triage, logs, alerts, maintenance, promote] of [
      ["en", "## Shop is down: triage", "## Logs per host and unit", "## Where alerts go", "## Maintenance mode", "## Database: promote the replica to primary"],
      ["de", "## Shop ist down: Erste Hilfe", "## Protokolle pro Host und Unit", "## Wohin Alarme gehen", "## Wartungsmodus", "## Datenbank: Replica zum Primary hochstufen"],
    ] as const) {
      const md = renderRunbook(data, lang, TEST_PROVENANCE);
      const sections = md.split("\n").filter((l) => l.startsWith("## "));
      assert.deepEqual(sections.slice(0, 4), [triage, logs, alerts, maintenance], `${stack} ${lang}: triage first`);
      assert.ok(sections.includes(promote), `${stack} ${lang}: promotion in the operators' words`);
      // Commands are for whoever is on call, never one named admin; the admins are listed by name.
      assert.doesNotMatch(md, /ssh (?!\$ADMIN@)\S+@/, `${stack} ${lang}: every ssh logs in as $ADMIN`);
      for (const u of spec.users.filter((x) => x.role === "admin")) assert.match(md.split(logs)[0], new RegExp(`\\b${u.name}\\b`));
      const onCall = spec.contacts.onCall;
      assert.ok(md.split(logs)[0].includes(markdown(onCall.phone)), "the escalation names the on-call phone");
      assert.ok(md.includes(`curl -sS -o /dev/null -w '%{http_code} %{time_total}\\n' ${spec.appUrl}/api/_info/health-check`));
      assert.ok(md.includes(`hcloud load-balancer describe ${spec.loadBalancer.name}`));
      assert.ok(md.includes("sales-channel:maintenance:enable --all") && md.includes("sales-channel:maintenance:disable --all"));
      for (const h of spec.monitoring.webhooks) assert.ok(md.split(maintenance)[0].includes(`${h.name} (${h.type})`), `${stack}: alert target ${h.name}`);
      // Offline addresses are marked as placeholders, in the tables and in every command block that uses them.
      assert.match(md, /\| 203\.0\.113\.20 \*\(offline\)\* \|/);
      for (const block of md.match(/```sh\n[\s\S]*?```/g) ?? [])
        if (/203\.0\.113\./.test(block)) assert.match(block, /^```sh\n# (offline plan|Offline-Plan): /, `${stack} ${lang}: block without the offline mark`);
    }
    // Logs per unit: exactly the units each host's bundle restarts, a timer by the service it starts.
    for (const node of spec.nodes) {
      const host = data.hosts.find((h) => h.name === node.name)!;
      const restarts = renderHostBundle(spec, node).files.flatMap((f) => f.restarts ?? []).map((u) => u.replace(/^reload:/, ""));
      for (const unit of restarts.filter((u) => !u.startsWith("systemd-") && !u.endsWith(".timer"))) assert.ok(host.logUnits.includes(unit), `${node.name}: ${unit}`);
      assert.ok(!host.logUnits.some((u) => u.endsWith(".timer")), `${node.name}: timers are replaced by their services`);
      if (node.roles.includes("db-replica")) assert.ok(host.logUnits.includes("shop-backup@db.service"), `${node.name}: the DB dump's service`);
    }
  }
});

test("with real addresses the runbook marks nothing as offline", () => {
  const spec = stackSpec("demo");
  const real = spec.nodes.map((n, i) => ({ name: n.name, publicIpv4: `85.215.20.${10 + i}`, publicIpv6: `2a01:4f8:c0c:${i + 1}::1` }));
  const md = renderRunbook(buildRunbook(spec, real, { ipv4: "85.215.20.100", ipv6: "2a01:4f8:c0c:99::1" }), "en", TEST_PROVENANCE);
  assert.doesNotMatch(md, /offline\)\*|offline plan:|Offline-Plan:/);
  assert.ok(md.includes("ssh $ADMIN@85.215.20.10 "));
});

test("the runbook has the debian-12/6.6 → debian-13/6.7 upgrade path the SW-1/SW-2 fix text points to, in both languages", () => {
  const spec = stackSpec("demo");
  const data = buildRunbook(spec, addresses(spec.nodes.map((n) => n.name)), { ipv4: "203.0.113.100", ipv6: "2001:db8:1::1" });
  const en = renderRunbook(data, "en", TEST_PROVENANCE);
  const de = renderRunbook(data, "de", TEST_PROVENANCE);
  assert.match(en, /^## Upgrade path: debian-12 \/ Shopware 6\.6 → debian-13 \/ Shopware 6\.7$/m);
  assert.match(de, /^## Upgrade-Pfad: debian-12 \/ Shopware 6\.6 → debian-13 \/ Shopware 6\.7$/m);
  // The stack's own nodes, in README "Upgrade path" order: replica, failover, old primary, app nodes.
  for (const md of [en, de].map((text) => text.slice(text.search(/^## Upgrade/m)))) {
    const steps = ["shop:nodeImages: {db-2: debian-13}", "npm run failover -- --stack demo --rebuild db-2", "npm run failover -- --stack demo --to db-2", "db-1: debian-13", "npm run failover -- --stack demo --rebuild db-1", "app-1, app-2", "shop:image: debian-13"];
    const at = steps.map((s) => md.indexOf(s));
    assert.ok(at.every((i) => i >= 0), steps.filter((_, i) => at[i] < 0).join("; "));
    assert.deepEqual([...at].sort((a, b) => a - b), at, "in order");
    assert.match(md, /hcloud server disable-protection NAME delete rebuild/);
  }
  // Profile small: both nodes hold a database role, so the app step is the DB steps' deploys.
  const small = stackSpec("kaffee-klein");
  const smallMd = renderRunbook(buildRunbook(small, addresses(small.nodes.map((n) => n.name)), { ipv4: "203.0.113.100", ipv6: "2001:db8:1::1" }), "en", TEST_PROVENANCE);
  assert.ok(smallMd.includes("shop:nodeImages: {app-2: debian-13}") && smallMd.includes("--rebuild app-1"));
  assert.match(smallMd, /Both nodes carry the app role too/);
});

test("after a failover the runbook names the new primary and tells on-call to rebuild the old one first", () => {
  const spec = editedStackSpec("demo", (raw) => (raw.database = { primary: "db-2", outOfService: ["db-1"] })).spec;
  const data = buildRunbook(spec, addresses(spec.nodes.map((n) => n.name)), { ipv4: "203.0.113.100", ipv6: "2001:db8:1::1" });
  assert.equal(data.database.primary, "demo-db-2");
  assert.deepEqual(data.database.replicas, [], "the fenced node is no read replica");
  for (const lang of ["en", "de"] as const) {
    const md = renderRunbook(data, lang, TEST_PROVENANCE);
    assert.ok(md.includes("npm run failover -- --stack demo --rebuild db-1"), `${lang}: rebuild first`);
    assert.doesNotMatch(md, /This stack has no replica|Dieser Stack hat keine Replica/, `${lang}: it has one, out of service`);
  }
});
