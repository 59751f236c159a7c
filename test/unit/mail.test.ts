import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { buildSpec, ConfigError, SecretString } from "../../components/config";
import { mailDsnProblem } from "../../components/config/validate";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { txtContent } from "../../components/cloud/dns";
import { scriptCli, writeDemoVariant } from "../helpers/checklist";
import { minimalRaw } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

test("mail: a DSN must reach a relay on a port Hetzner Cloud lets out", () => {
  for (const ok of ["smtp://shop:p%40ss@smtp.relay.example:587", "smtp://relay.example:2525", "ses+api://KEY:SECRET@default", "sendgrid+api://KEY@default"]) assert.equal(mailDsnProblem(ok), undefined, ok);
  assert.match(mailDsnProblem("smtp://shop:pw@relay.example")!, /name the port; without one smtp uses 25 or 465/);
  assert.match(mailDsnProblem("smtp://shop:pw@relay.example:25")!, /port 25 is blocked outbound/);
  assert.match(mailDsnProblem("smtps://shop:pw@relay.example:465")!, /port 465 is blocked outbound/);
  assert.match(mailDsnProblem("ses+smtp://KEY:SECRET@default")!, /name the port/);
  assert.match(mailDsnProblem("sendmail://default")!, /local mail server that delivers on port 25/);
  assert.match(mailDsnProblem("not a dsn")!, /^a Symfony Mailer DSN/);
});

test("mail: TXT content is quoted in strings of at most 255 characters", () => {
  assert.equal(txtContent("v=spf1 -all"), '"v=spf1 -all"');
  const dkim = `v=DKIM1; k=rsa; p=${"A".repeat(400)}`;
  const parts = [...txtContent(dkim).matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(parts.map((p) => p.length), [255, dkim.length - 255]);
  assert.equal(parts.join(""), dkim);
});

const withMail = (config: Record<string, unknown>) => {
  config["shop:mail"] = {
    dsn: { secure: "v1:test:mailer-dsn" },
    sender: "shop@demo-moebel.de",
    spf: "v=spf1 include:_spf.relay-demo.de -all",
    dkim: [{ selector: "relay1", value: "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" }],
    dmarc: "v=DMARC1; p=quarantine; rua=mailto:dmarc@demo-moebel.de",
  };
};

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

test("mail: the plan renders MAILER_DSN as a secret template, the SPF/DKIM/DMARC records in the sender's zone, and the audit says so; the DSN is written nowhere", (t) => {
  const dir = tempDir(t, "mail-");
  const out = path.join(dir, "out");
  const r = scriptCli("plan", ["--file", writeDemoVariant(dir, "mailshop", withMail), "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  const stackOut = path.join(out, "mailshop");
  const envLocal = fs.readFileSync(path.join(stackOut, "hosts/mailshop-app-1/bundle/var/www/shop/shared/.env.local"), "utf8");
  assert.match(envLocal, /^MAILER_DSN=\{\{secret:MAILER_DSN\}\}$/m);
  for (const f of filesUnder(stackOut)) assert.ok(!fs.readFileSync(f, "utf8").includes("Zq8rT2vLx9"), `the DSN's password is in ${path.relative(out, f)}`);
  assert.ok(!`${r.stdout}${r.stderr}`.includes("Zq8rT2vLx9"), "the DSN's password is in the plan's output");
  const plan = JSON.parse(fs.readFileSync(path.join(stackOut, "plan.json"), "utf8")) as { resources: { type: string; inputs: Record<string, unknown> }[] };
  const txt = plan.resources.filter((x) => x.type === "cloudflare:index/dnsRecord:DnsRecord" && x.inputs.type === "TXT").map((x) => `${x.inputs.name} ${x.inputs.content}`);
  assert.deepEqual(txt.sort(), [
    '_dmarc.demo-moebel.de "v=DMARC1; p=quarantine; rua=mailto:dmarc@demo-moebel.de"',
    'demo-moebel.de "v=spf1 include:_spf.relay-demo.de -all"',
    'relay1._domainkey.demo-moebel.de "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"',
  ]);
  assert.match(fs.readFileSync(path.join(stackOut, "audit.json"), "utf8"), /"en": "order mails: MAILER_DSN \(secret\) in \.env\.local on mailshop-app-1, mailshop-app-2, sender shop@demo-moebel\.de; SPF\/DKIM\/DMARC records: [^"]*relay1\._domainkey\.demo-moebel\.de/);
});

test("mail: a DSN on port 465 and a sender outside the stack's zones are refused together, the DSN not repeated", () => {
  const raw: Record<string, unknown> = {
    ...minimalRaw(),
    mail: { dsn: new SecretString("smtps://shop:Zq8rT2vLx9@smtp.relay-demo.de:465"), sender: "shop@elsewhere.example", spf: "v=spf1 -all" },
  };
  let caught: unknown;
  try {
    buildSpec(raw, { stack: "mailshop" });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, "the stack is refused");
  const text = caught.message;
  assert.match(text, /shop:mail\.dsn: .*port 465 is blocked outbound on Hetzner Cloud/);
  assert.match(text, /shop:mail\.sender: found "shop@elsewhere\.example"; allowed: an address at one of the zones in shop:domains \(minimal\.de\)/);
  assert.ok(!text.includes("Zq8rT2vLx9"), "the refused DSN is not printed");

  raw.mail = { dsn: new SecretString("smtp://shop:Zq8rT2vLx9@smtp.relay-demo.de:587"), sender: "shop@minimal.de", spf: "v=spf1 -all" };
  const { spec } = buildSpec(raw, { stack: "mailshop" });
  const files = spec.nodes.flatMap((n) => renderHostBundle(spec, n).files);
  assert.ok(files.some((f) => f.content.includes("MAILER_DSN={{secret:MAILER_DSN}}")));
  assert.ok(files.every((f) => !f.content.includes("Zq8rT2vLx9")), "the DSN reaches hosts only through secrets.env");
});
