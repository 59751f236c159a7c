import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { planCli, STACKS_DIR } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface BadCase {
  name: string;
  mutate: (c: Config) => void;
  /** The key path every error line must name. */
  key: string;
  /** Something the "allowed" part must say. */
  allowed: RegExp;
}

const hook = (c: Config) => c["shop:monitoring"].webhooks[0];

/** Each case is one realistic mistake in the demo stack; every one must be named precisely. */
const cases: BadCase[] = [
  { name: "customer with spaces", mutate: (c) => (c["shop:customer"] = "Demo Moebel"), key: "shop:customer", allowed: /a-z, 0-9/ },
  { name: "unknown profile", mutate: (c) => (c["shop:profile"] = "medium"), key: "shop:profile", allowed: /small, standard, large/ },
  { name: "unknown location", mutate: (c) => (c["shop:locations"] = ["ber1"]), key: "shop:locations[0]", allowed: /fsn1, nbg1, hel1/ },
  { name: "locations across network zones", mutate: (c) => (c["shop:locations"] = ["fsn1", "ash"]), key: "shop:locations", allowed: /one network zone/ },
  { name: "Shopware 6.5 on Debian 13 (PHP 8.4)", mutate: (c) => Object.assign(c, { "shop:image": "debian-13", "shop:shopwareVersion": "6.5.8.14" }), key: "shop:shopwareVersion", allowed: /supported: .*debian-12/ },
  { name: "Shopware version without patch", mutate: (c) => (c["shop:shopwareVersion"] = "6.6"), key: "shop:shopwareVersion", allowed: /6\.6\.10\.4/ },
  { name: "unsupported image", mutate: (c) => (c["shop:image"] = "ubuntu-24.04"), key: "shop:image", allowed: /debian-12, debian-13/ },
  { name: "node image for a node the stack lacks", mutate: (c) => (c["shop:nodeImages"] = { "app-9": "debian-12" }), key: "shop:nodeImages.app-9", allowed: /a node of this stack \(app-1, app-2, db-1, db-2\)/ },
  { name: "node image under a key that is no node name", mutate: (c) => (c["shop:nodeImages"] = { "../../etc": "debian-13" }), key: 'shop:nodeImages["../../etc"]', allowed: /a node's name without the stack prefix/ },
  { name: "node image that is not an image", mutate: (c) => (c["shop:nodeImages"] = { "db-2": "debian-11" }), key: "shop:nodeImages.db-2", allowed: /debian-12 or debian-13/ },
  { name: "replica on an older MariaDB than the primary", mutate: (c) => (c["shop:nodeImages"] = { "db-2": "debian-12" }), key: "shop:nodeImages.db-2", allowed: /db-2 would replicate db-1's MariaDB 11\.8 into 10\.11.*shop:database\.outOfService/ },
  { name: "Shopware 6.6.9 on a node moved to Debian 13", mutate: (c) => Object.assign(c, { "shop:image": "debian-12", "shop:shopwareVersion": "6.6.9.0", "shop:nodeImages": { "app-1": "debian-13" } }), key: "shop:shopwareVersion", allowed: /on debian-13 \(app-1\) \(PHP 8\.4 needs Shopware 6\.6\.10\.0 or later\)/ },
  { name: "deprecated server type", mutate: (c) => (c["shop:serverTypes"].app = "cx22"), key: "shop:serverTypes.app", allowed: /ccx23/ },
  { name: "subnet outside the network", mutate: (c) => (c["shop:network"] = { ipRange: "10.10.0.0/16", subnet: "10.20.1.0/24" }), key: "shop:network.subnet", allowed: /inside network.ipRange/ },
  { name: "subnet too small", mutate: (c) => (c["shop:network"] = { subnet: "10.10.1.0/28" }), key: "shop:network.subnet", allowed: /\/25 or larger/ },
  { name: "health-check timeout above interval", mutate: (c) => (c["shop:loadBalancer"] = { healthCheck: { interval: 3, timeout: 5 } }), key: "shop:loadBalancer.healthCheck.timeout", allowed: /at most the interval/ },
  { name: "health-check interval below 3 s", mutate: (c) => (c["shop:loadBalancer"] = { healthCheck: { interval: 1 } }), key: "shop:loadBalancer.healthCheck.interval", allowed: /≥ 3/ },
  { name: "no domains", mutate: (c) => (c["shop:domains"] = []), key: "shop:domains", allowed: /at least 1/ },
  { name: "zone id not hex", mutate: (c) => (c["shop:domains"][0].zoneId = "my-zone"), key: "shop:domains[0].zoneId", allowed: /32 lower-case hex/ },
  { name: "zone in upper case", mutate: (c) => (c["shop:domains"][0].zone = "Demo-Moebel.DE"), key: "shop:domains[0].zone", allowed: /lower-case DNS name/ },
  { name: "dns target neither lb nor IP", mutate: (c) => (c["shop:dns"] = { target: "old-host" }), key: "shop:dns.target", allowed: /lb, or a public IPv4\/IPv6 address/ },
  { name: "malformed admin CIDR", mutate: (c) => (c["shop:adminCidrs"] = ["10.0.0.300/32"]), key: "shop:adminCidrs[0]", allowed: /CIDR/ },
  { name: "admin CIDR without prefix", mutate: (c) => (c["shop:adminCidrs"] = ["198.51.100.10"]), key: "shop:adminCidrs[0]", allowed: /CIDR/ },
  { name: "no admin CIDRs", mutate: (c) => (c["shop:adminCidrs"] = []), key: "shop:adminCidrs", allowed: /at least one admin CIDR/ },
  { name: "owner e-mail malformed", mutate: (c) => (c["shop:contacts"].owner.email = "petra at demo"), key: "shop:contacts.owner.email", allowed: /e-mail/ },
  { name: "on-call contact missing", mutate: (c) => delete c["shop:contacts"].onCall, key: "shop:contacts.onCall", allowed: /required/ },
  { name: "phone not international", mutate: (c) => (c["shop:contacts"].owner.phone = "030 1234567"), key: "shop:contacts.owner.phone", allowed: /international/ },
  { name: "unknown user role", mutate: (c) => (c["shop:users"][0].role = "superuser"), key: "shop:users[0].role", allowed: /admin, deploy, readonly/ },
  { name: "duplicate user names", mutate: (c) => (c["shop:users"][1].name = "anna"), key: "shop:users[1].name", allowed: /used once/ },
  { name: "system account as a user", mutate: (c) => (c["shop:users"][0].name = "www-data"), key: "shop:users[0].name", allowed: /not a system account/ },
  { name: "SSH key that is not a public key", mutate: (c) => (c["shop:users"][0].sshKeys = ["-----BEGIN OPENSSH PRIVATE KEY-----"]), key: "shop:users[0].sshKeys[0]", allowed: /OpenSSH public key/ },
  { name: "expiry date in the past", mutate: (c) => (c["shop:users"][2].expires = "2020-01-31"), key: "shop:users[2].expires", allowed: /in the future/ },
  { name: "expiry date not a date", mutate: (c) => (c["shop:users"][2].expires = "next summer"), key: "shop:users[2].expires", allowed: /YYYY-MM-DD/ },
  { name: "world-open SSH rule without waiver", mutate: (c) => (c["shop:firewall"] = { extraRules: [{ description: "open ssh", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0"] }] }), key: "shop:firewall.extraRules[0]", allowed: /waiver/ },
  { name: "world-open port range covering MariaDB", mutate: (c) => (c["shop:firewall"] = { extraRules: [{ description: "range", protocol: "tcp", port: "3000-4000", sourceIps: ["::/0"] }] }), key: "shop:firewall.extraRules[0]", allowed: /3306/ },
  { name: "production without webhooks", mutate: (c) => (c["shop:monitoring"] = { webhooks: [] }), key: "shop:monitoring.webhooks", allowed: /webhooksWaiver/ },
  { name: "unknown webhook type", mutate: (c) => (hook(c).type = "discord"), key: "shop:monitoring.webhooks[0].type", allowed: /slack, teams, pagerduty, generic/ },
  { name: "PagerDuty without routing key", mutate: (c) => (hook(c).type = "pagerduty"), key: "shop:monitoring.webhooks[0].routingKey", allowed: /routing key/ },
  { name: "secret given in plain text", mutate: (c) => (c["shop:media"].secretKey = "AKIA-plain"), key: "shop:media.secretKey", allowed: /secure value/ },
  { name: "unknown key", mutate: (c) => (c["shop:colour"] = "blue"), key: "shop:colour", allowed: /no such key/ },
  { name: "typo in a nested key", mutate: (c) => (c["shop:backup"] = { retention: { dialy: 7 } }), key: "shop:backup.retention.dialy", allowed: /no such key/ },
  { name: "large profile with one app node", mutate: (c) => Object.assign(c, { "shop:profile": "large", "shop:appNodes": 2 }), key: "shop:appNodes", allowed: /3 or more/ },
  { name: "small profile with three app nodes", mutate: (c) => Object.assign(c, { "shop:profile": "small", "shop:appNodes": 3 }), key: "shop:appNodes", allowed: /2 with profile small/ },
  { name: "retention without daily snapshots", mutate: (c) => (c["shop:backup"] = { retention: { daily: 0 } }), key: "shop:backup.retention.daily", allowed: /≥ 1/ },
  { name: "PHP memory limit in gigabytes", mutate: (c) => (c["shop:php"] = { memoryLimit: "1G" }), key: "shop:php.memoryLimit", allowed: /768M/ },
  { name: "disk warn above critical", mutate: (c) => (c["shop:monitoring"].thresholds = { diskWarnPercent: 97, diskCritPercent: 95 }), key: "shop:monitoring.thresholds.diskWarnPercent", allowed: /less than diskCritPercent/ },
  { name: "app node count is text", mutate: (c) => (c["shop:appNodes"] = "two"), key: "shop:appNodes", allowed: /number/ },
  { name: "foreign config namespace", mutate: (c) => (c["aws:region"] = "eu-central-1"), key: "aws:region", allowed: /shop: namespace/ },
];

const demo = parse(fs.readFileSync(path.join(STACKS_DIR, "Pulumi.demo.yaml"), "utf8")) as { config: Config };

function assertCleanFailure(r: { status: number | null; stderr: string; stdout: string }, outDir: string): void {
  assert.equal(r.status, 1, `exit code; stderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, "no stack trace");
  assert.ok(!fs.existsSync(outDir) || fs.readdirSync(outDir).length === 0, "nothing written to out/");
}

test(`${cases.length} distinct bad configs: exit 1, one line naming key, value and what is allowed`, async (t) => {
  assert.ok(cases.length >= 25);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
  const dir = tempDir(t);
  for (const c of cases) {
    await t.test(c.name, () => {
      const doc = structuredClone(demo);
      c.mutate(doc.config);
      const file = path.join(dir, "Pulumi.bad.yaml");
      fs.writeFileSync(file, stringify(doc));
      const outDir = path.join(dir, "out");
      const r = planCli(["--file", file], outDir);
      assertCleanFailure(r, outDir);
      const lines = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
      const line = lines.find((l) => l.startsWith(`error: ${c.key}: found `));
      assert.ok(line, `no error line for ${c.key}; got:\n${r.stderr}`);
      assert.match(line, /; allowed: /);
      assert.match(line.split("; allowed: ")[1], c.allowed);
    });
  }
});

test("YAML that does not parse names the file and line", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "Pulumi.broken.yaml");
  fs.writeFileSync(file, "config:\n  shop:customer: demo\n  shop:domains: [unclosed\n");
  const outDir = path.join(dir, "out");
  const r = planCli(["--file", file], outDir);
  assertCleanFailure(r, outDir);
  assert.match(r.stderr, new RegExp(`error: ${file.replace(/[.]/g, "\\.")}:\\d+: found YAML that does not parse`));
});

test("a missing file and an unknown stack are named, with the stacks that exist", (t) => {
  const dir = tempDir(t);
  const outDir = path.join(dir, "out");
  const missing = planCli(["--file", path.join(dir, "Pulumi.nothere.yaml")], outDir);
  assertCleanFailure(missing, outDir);
  assert.match(missing.stderr, /no file .*Pulumi\.nothere\.yaml/);
  const unknown = planCli(["--stack", "no-such-customer"], outDir);
  assertCleanFailure(unknown, outDir);
  assert.match(unknown.stderr, /error: stack: found "no-such-customer"; allowed: a stack with a file in .*: .*demo/);
});

test("several mistakes at once are all reported in one run", (t) => {
  const dir = tempDir(t);
  const doc = structuredClone(demo);
  doc.config["shop:profile"] = "medium";
  doc.config["shop:adminCidrs"] = ["nope"];
  doc.config["shop:users"][0].role = "root";
  const file = path.join(dir, "Pulumi.multi.yaml");
  fs.writeFileSync(file, stringify(doc));
  const outDir = path.join(dir, "out");
  const r = planCli(["--file", file], outDir);
  assertCleanFailure(r, outDir);
  assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("error: ")).length, 3, r.stderr);
});
