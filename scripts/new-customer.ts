import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isMap, isScalar, isSeq, parseDocument, YAMLMap } from "yaml";
import { buildSpec, readStackFile, ShopSpec, stackFilePath } from "../components/config";
import { fail, parseArgs, rejectUnknownFlags, runMain } from "./lib/cli";
import { PROJECT_ROOT } from "./lib/offlinePlan";

const USAGE = "usage: npm run new-customer -- NAME --domain ZONE [--profile small|standard|large] [--from STACK] [--zone-id ID] [--admin-cidr CIDR] [--stacks-dir DIR]";
const PROFILES = ["small", "standard", "large"];
/** Values the agency must replace; they validate, so the stack plans offline at once. */
const ZONE_ID_TODO = "0".repeat(32);
const ADMIN_CIDR_TODO = "192.0.2.1/32";
const PHONE_TODO = "+49 000 0000000";

interface Inputs {
  name: string;
  domain: string;
  profile?: string;
  zoneId: string;
  adminCidr?: string;
}

/** A fresh stack file; each key carries a comment that says what it is for. */
function freshStack(i: Inputs): string {
  return `# ${i.name}: created by \`npm run new-customer\`. Replace every TODO, then follow the printed steps.
config:
  # Customer slug: every resource is labelled customer=<this>.
  shop:customer: ${i.name}
  # production or staging. Production demands dedicated vCPU (OPS-3), alert webhooks (HW-3) and an admin user (SEC-3).
  shop:environment: production
  # small: 2 nodes (app + one DB role each); standard: 2 app + DB primary/replica; large: 3+ app nodes (D9).
  shop:profile: ${i.profile ?? "standard"}
  # Hetzner locations, all in one network zone; nodes are spread over them in order.
  shop:locations: [fsn1]
  # Checked against the Shopware/PHP/MariaDB matrix when validated (SW-2).
  shop:shopwareVersion: 6.6.10.4
  # Server type per role: dedicated-vCPU ccx* for production.
  shop:serverTypes:
    app: ccx23
    db: ccx23
  # One entry per Cloudflare zone; apex and www are served unless turned off.
  shop:domains:
    - zone: ${i.domain}
      # TODO: the zone id from the Cloudflare dashboard (Overview → API → Zone ID).
      zoneId: "${i.zoneId}"
  # Who may reach SSH (SEC-1). TODO: the agency's office or VPN addresses.
  shop:adminCidrs: [${i.adminCidr ?? ADMIN_CIDR_TODO}]
  # Where \`pulumi up\` runs from: converge connects over SSH from there (D2).
  shop:deployerCidrs: []
  # The runbook's contacts (OPS-2). TODO: real names, phones and e-mails.
  shop:contacts:
    owner: { name: Owner of ${i.domain}, email: owner@${i.domain}, phone: ${PHONE_TODO} }
    onCall: { name: On-call rotation, email: oncall@${i.domain}, phone: ${PHONE_TODO} }
    hoster: { name: Hetzner Online, email: support@hetzner.com, phone: +49 9831 5050 }
  # One entry per person with their own key; role admin, deploy or readonly; expires for temporary access (SEC-3).
  shop:users: []
  # Alert webhooks (HW-3); each url is a secret set with pulumi config set --secret.
  shop:monitoring:
    webhooks:
      - name: ops-alerts
        type: slack
  # S3-compatible bucket for Shopware's shared files (D7); the keys are secrets.
  shop:media:
    endpoint: https://fsn1.your-objectstorage.com
    bucket: ${i.name}-media
    region: fsn1
`;
}

/** Removes `secure:` leaves (ciphertext of the source stack's key, useless here); returns their paths. */
function dropSecureValues(node: unknown, at: string, dropped: string[]): void {
  if (!isMap(node)) {
    if (node && typeof node === "object" && "items" in node)
      (node as { items: unknown[] }).items.forEach((el, idx) => {
        if (isMap(el) && el.has("secure")) dropped.push(`${at}[${idx}]`);
        else dropSecureValues(el, `${at}[${idx}]`, dropped);
      });
    return;
  }
  for (const pair of [...node.items]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const here = at ? `${at}.${key}` : key;
    if (isMap(pair.value) && pair.value.has("secure")) {
      dropped.push(here);
      node.delete(pair.key);
    } else dropSecureValues(pair.value, here, dropped);
  }
}

/** A copy of an existing customer's stack: same shape and team, new customer facts, no secrets. */
function stackFrom(source: string, i: Inputs): string {
  const doc = parseDocument(fs.readFileSync(source, "utf8"));
  const config = doc.get("config") as YAMLMap;
  const dropped: string[] = [];
  for (const pair of config.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (key.startsWith("shop:")) dropSecureValues(pair.value, key, dropped);
  }
  // The source's header describes the source customer: replace it.
  const header = ` ${i.name}: created by \`npm run new-customer\` from ${path.basename(source)}. Replace every TODO, then follow the printed steps.`;
  doc.commentBefore = header;
  const contents = doc.contents as YAMLMap;
  contents.commentBefore = undefined;
  const first = contents.items[0];
  if (first && isScalar(first.key)) first.key.commentBefore = undefined;
  config.set("shop:customer", i.name);
  if (i.profile) {
    config.set("shop:profile", i.profile);
    config.delete("shop:appNodes");
  }
  const domains = doc.createNode([{ zone: i.domain, zoneId: i.zoneId }]);
  config.set("shop:domains", domains);
  const domainsPair = config.items.find((p) => isScalar(p.key) && p.key.value === "shop:domains");
  if (domainsPair && isScalar(domainsPair.key)) domainsPair.key.commentBefore = " TODO: zoneId from the Cloudflare dashboard (Overview → API → Zone ID).";
  // A PagerDuty routing key belongs to one customer's service: such hooks do not carry over.
  const hooks = config.getIn(["shop:monitoring", "webhooks"]);
  if (isSeq(hooks)) {
    hooks.items = hooks.items.filter((h) => !(isMap(h) && h.get("type") === "pagerduty"));
    if (!hooks.items.length) hooks.items.push(doc.createNode({ name: "ops-alerts", type: "slack" }));
  }
  // Customer-specific facts of the source do not carry over.
  for (const key of ["shop:dns", "shop:firewall", "shop:access"]) config.delete(key);
  config.deleteIn(["shop:media", "publicUrl"]);
  if (i.adminCidr) config.set("shop:adminCidrs", doc.createNode([i.adminCidr], { flow: true }));
  config.setIn(["shop:contacts", "owner"], doc.createNode({ name: `Owner of ${i.domain}`, email: `owner@${i.domain}`, phone: PHONE_TODO }, { flow: true }));
  config.setIn(["shop:contacts", "onCall"], doc.createNode({ name: "On-call rotation", email: `oncall@${i.domain}`, phone: PHONE_TODO }, { flow: true }));
  const contactsPair = config.items.find((p) => isScalar(p.key) && p.key.value === "shop:contacts");
  if (contactsPair && isScalar(contactsPair.key)) contactsPair.key.commentBefore = " TODO: the new customer's owner and on-call phone and e-mail.";
  config.setIn(["shop:media", "bucket"], `${i.name}-media`);
  return doc.toString({ lineWidth: 0 });
}

/** The `pulumi config set --secret` lines for every secret the file leaves unset. */
function secretSteps(spec: ShopSpec, stack: string): string[] {
  const set = (p: string, what: string) => `pulumi config set --secret --path 'shop:${p}' '<${what}>' --stack ${stack}`;
  const lines = [set("media.accessKey", "object storage access key"), set("media.secretKey", "object storage secret key")];
  spec.monitoring.webhooks.forEach((h, idx) => {
    lines.push(set(`monitoring.webhooks[${idx}].url`, `${h.type} webhook URL`));
    if (h.type === "pagerduty") lines.push(set(`monitoring.webhooks[${idx}].routingKey`, "PagerDuty routing key"));
  });
  lines.push(
    `# optional: ${set("backup.heartbeatUrl", "healthchecks-style URL for backup pings")}`,
    `# optional: ${set("monitoring.heartbeatUrl", "healthchecks-style URL for monitoring pings")}`,
  );
  return lines;
}

runMain(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  rejectUnknownFlags(flags, ["domain", "profile", "from", "zone-id", "admin-cidr", "stacks-dir"], USAGE);
  const [name, ...extra] = positional;
  if (!name || extra.length) fail(`error: name exactly one new stack\n${USAGE}`);
  if (!/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/.test(name)) fail(`error: NAME: found ${JSON.stringify(name)}; allowed: 3–32 characters of a-z, 0-9 and '-', starting with a letter (it is also the customer slug)`);
  if (typeof flags.domain !== "string") fail(`error: --domain is required\n${USAGE}`);
  const profile = flags.profile;
  if (profile !== undefined && !PROFILES.includes(String(profile))) fail(`error: --profile: found ${String(profile)}; allowed: ${PROFILES.join(", ")}`);
  const stacksDir = typeof flags["stacks-dir"] === "string" ? path.resolve(flags["stacks-dir"]) : path.join(PROJECT_ROOT, "stacks");
  const target = stackFilePath(stacksDir, name);
  if (fs.existsSync(target)) fail(`error: ${target} exists; new-customer never overwrites a stack file`);
  const inputs: Inputs = {
    name,
    domain: flags.domain,
    profile: profile as string | undefined,
    zoneId: typeof flags["zone-id"] === "string" ? flags["zone-id"] : ZONE_ID_TODO,
    adminCidr: typeof flags["admin-cidr"] === "string" ? flags["admin-cidr"] : undefined,
  };
  let text: string;
  if (typeof flags.from === "string") {
    const source = stackFilePath(stacksDir, flags.from);
    if (!fs.existsSync(source)) fail(`error: --from: no stack file ${source}`);
    text = stackFrom(source, inputs);
  } else text = freshStack(inputs);

  // Validate exactly as the plan will read it, before anything lands in stacks/.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "new-customer-"));
  let spec: ShopSpec;
  try {
    const file = path.join(scratch, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, text);
    spec = buildSpec(readStackFile(file, name).raw, { stack: name }).spec;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  fs.mkdirSync(stacksDir, { recursive: true });
  fs.writeFileSync(target, text, { flag: "wx" });

  const todos = text.split("\n").filter((l) => l.includes("TODO")).length;
  const out = [
    `Wrote ${path.relative(process.cwd(), target) || target} (validated: ${spec.nodes.length} hosts, profile ${spec.profile}).`,
    "",
    "Next steps:",
    `  pulumi stack init ${name}`,
    ...secretSteps(spec, name).map((l) => `  ${l}`),
    `  # replace the ${todos} TODO value(s) in the file (zone id, admin CIDRs, contacts), add users, then:`,
    `  npm run plan -- --stack ${name}    # offline, works now`,
    `  npm run audit -- --stack ${name}`,
  ];
  process.stdout.write(out.join("\n") + "\n");
});
