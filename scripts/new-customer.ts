import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Document, isCollection, isMap, isScalar, Scalar, YAMLMap } from "yaml";
import { adminCidrSchema, buildSpec, dnsNameSchema, isStackName, newestShopware, readStackFile, SecretString, ShopSpec, STACK_NAME_RULE, StackFile, stackFilePath, zoneIdSchema } from "../components/config";
import { CommandSpec, fail, parseCommand, runMain } from "./lib/cli";
import { PROJECT_ROOT } from "./lib/offlinePlan";

const NEW_CUSTOMER_COMMAND: CommandSpec = {
  command: "npm run new-customer --",
  synopsis: "NAME --domain ZONE [options]",
  summary: "Writes a validated, commented stacks/Pulumi.NAME.yaml (never overwrites one) and prints the steps and secrets still to set.",
  options: [
    { name: "domain", value: "ZONE", help: "the customer's Cloudflare zone, such as acme-shop.de (required)" },
    { name: "profile", value: "small|standard|large", help: "node layout (default standard)" },
    { name: "from", value: "STACK", help: "copy the shape (profile, sizes, schedules, thresholds) of stacks/Pulumi.STACK.yaml, no people, keys, CIDRs or secrets" },
    { name: "zone-id", value: "ID", help: "the zone's Cloudflare id (else a TODO placeholder)" },
    { name: "admin-cidr", value: "CIDR", help: "one admin address range for SSH (else a TODO placeholder)" },
    { name: "stacks-dir", value: "DIR", help: "write into DIR instead of stacks/" },
  ],
};
const USAGE = `usage: ${NEW_CUSTOMER_COMMAND.command} ${NEW_CUSTOMER_COMMAND.synopsis}`;
const PROFILES = ["small", "standard", "large"];
/** Values the agency must replace; they validate, so the stack plans offline at once. */
const ZONE_ID_TODO = "0".repeat(32);
const ADMIN_CIDR_TODO = "192.0.2.1/32";
const PHONE_TODO = "+49 000 0000000";
const HOSTER = { name: "Hetzner Online", email: "support@hetzner.com", phone: "+49 9831 5050" };

interface Inputs {
  name: string;
  domain: string;
  profile?: string;
  zoneId?: string;
  adminCidr?: string;
}

type Tree = Record<string, unknown>;

/** One `shop:` key of the new file: its value, the comment above it, and whether the customer must fill it in. */
interface Entry {
  key: string;
  value: unknown;
  comment: string;
  /** Values in it that the agency must replace, each a TODO in the comment. */
  todos?: string[];
  flow?: boolean;
}

/**
 * Keys that describe a stack's shape (sizes, schedules, thresholds, software): --from copies
 * these. Everything about the source customer — people, keys, CIDRs, contacts, domains, DNS,
 * firewall and access lists, secrets, the provider keys and `encryptionsalt` — stays behind.
 */
const SHAPE_KEYS = ["environment", "profile", "appNodes", "locations", "image", "shopwareVersion", "serverTypes", "network", "loadBalancer", "protection", "serverBackups", "backup", "php", "updates"] as const;

/** A copy without SecretStrings (placeholders or ciphertext of the source stack's key). */
function withoutSecrets(value: unknown): unknown {
  if (value instanceof SecretString) return undefined;
  if (Array.isArray(value)) return value.map(withoutSecrets).filter((v) => v !== undefined);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v instanceof SecretString ? [] : [[k, withoutSecrets(v)]])));
  return value;
}

/** The source stack's shape keys, read and validated like any stack file, secrets removed. */
function shapeOf(source: StackFile): Tree {
  const shape: Tree = {};
  for (const key of SHAPE_KEYS) if (source.raw[key] !== undefined) shape[key] = withoutSecrets(source.raw[key]);
  // Webhook names and types are shape; their URLs and routing keys are the source's secrets,
  // and a PagerDuty service belongs to one customer.
  const hooks = (source.raw.monitoring as Tree | undefined)?.webhooks;
  const monitoring = withoutSecrets(source.raw.monitoring) as Tree | undefined;
  if (monitoring) {
    delete monitoring.heartbeatUrl;
    if (Array.isArray(hooks)) monitoring.webhooks = (monitoring.webhooks as Tree[]).filter((h) => h.type !== "pagerduty").map((h) => ({ name: h.name, type: h.type }));
    shape.monitoring = monitoring;
  }
  const media = source.raw.media as Tree | undefined;
  if (media) shape.media = { endpoint: media.endpoint, region: media.region };
  const contacts = source.raw.contacts as Tree | undefined;
  // The agency's and the hoster's own contacts are the same for every customer.
  if (contacts) shape.contacts = Object.fromEntries(["agency", "hoster"].filter((k) => contacts[k]).map((k) => [k, contacts[k]]));
  return shape;
}

/** The new stack's keys, in file order; `shape` (from --from) overrides the defaults. */
function entries(i: Inputs, shape: Tree): Entry[] {
  const todoContact = (role: string) => ({ name: `${role} of ${i.domain}`, email: `${role.toLowerCase().replace(/[^a-z]/g, "")}@${i.domain}`, phone: PHONE_TODO });
  const contacts = { owner: todoContact("Owner"), onCall: todoContact("On-call"), ...((shape.contacts as Tree | undefined) ?? { hoster: HOSTER }) };
  const monitoring = (shape.monitoring as Tree | undefined) ?? {};
  if (!Array.isArray(monitoring.webhooks) || !monitoring.webhooks.length) monitoring.webhooks = [{ name: "ops-alerts", type: "slack" }];
  const media = { endpoint: "https://fsn1.your-objectstorage.com", region: "fsn1", ...((shape.media as Tree | undefined) ?? {}), bucket: `${i.name}-media` };
  const list: Entry[] = [
    { key: "customer", value: i.name, comment: "Customer slug: every resource is labelled customer=<this>." },
    { key: "environment", value: shape.environment ?? "production", comment: "production or staging. Production demands dedicated vCPU (OPS-3), alert webhooks (HW-3) and an admin user (SEC-3)." },
    { key: "profile", value: i.profile ?? shape.profile ?? "standard", comment: "small: 2 nodes (app + one DB role each); standard: 2 app + DB primary/replica; large: 3+ app nodes (D9)." },
    ...(i.profile === undefined && shape.appNodes !== undefined ? [{ key: "appNodes", value: shape.appNodes, comment: "App node count (profile large: 3 or more)." }] : []),
    { key: "locations", value: shape.locations ?? ["fsn1"], comment: "Hetzner locations, all in one network zone; nodes are spread over them in order.", flow: true },
    { key: "image", value: shape.image ?? "debian-13", comment: "debian-13 (default) or debian-12; dated in components/config/lifecycle.ts (SW-1)." },
    { key: "shopwareVersion", value: shape.shopwareVersion ?? newestShopware(), comment: "Checked against the Shopware/PHP/MariaDB matrix and the lifecycle table when validated (SW-2)." },
    { key: "serverTypes", value: shape.serverTypes ?? { app: "ccx23", db: "ccx23" }, comment: "Server type per role: dedicated-vCPU ccx* for production." },
    ...(["network", "loadBalancer", "protection", "serverBackups", "backup", "php", "updates"] as const)
      .filter((k) => shape[k] !== undefined)
      .map((k) => ({ key: k, value: shape[k], comment: `Copied from the source stack's shape (${k}).` })),
    {
      key: "domains",
      value: [{ zone: i.domain, zoneId: i.zoneId ?? ZONE_ID_TODO }],
      comment: "One entry per Cloudflare zone; apex and www are served unless turned off.",
      todos: i.zoneId ? [] : ["the zone id from the Cloudflare dashboard (Overview → API → Zone ID)"],
    },
    {
      key: "adminCidrs",
      value: [i.adminCidr ?? ADMIN_CIDR_TODO],
      comment: "Who may reach SSH (SEC-1).",
      todos: i.adminCidr ? [] : ["the agency's office or VPN addresses"],
      flow: true,
    },
    { key: "deployerCidrs", value: [], comment: "Where `pulumi up` runs from: converge connects over SSH from there (D2).", flow: true },
    {
      key: "contacts",
      value: contacts,
      comment: "The runbook's contacts (OPS-2).",
      todos: ["the owner's name, e-mail and phone", "the on-call name, e-mail and phone"],
    },
    { key: "users", value: [], comment: "One entry per person with their own key; role admin, deploy or readonly; expires for temporary access (SEC-3).", flow: true },
    { key: "monitoring", value: monitoring, comment: "Alert webhooks (HW-3); each url is a secret set with pulumi config set --secret." },
    { key: "media", value: media, comment: "S3-compatible bucket for Shopware's shared files (D7); the keys are secrets." },
  ];
  return list;
}

/** The stack file as a YAML document: every value goes through the serializer, each key gets its comment. */
function renderStack(i: Inputs, shape: Tree, header: string): { text: string; todos: number } {
  const list = entries(i, shape);
  const doc = new Document({ config: Object.fromEntries(list.map((e) => [`shop:${e.key}`, e.value])) });
  doc.commentBefore = ` ${header}`;
  const config = doc.get("config") as YAMLMap;
  let todos = 0;
  for (const e of list) {
    const pair = config.items.find((p) => isScalar(p.key) && p.key.value === `shop:${e.key}`)!;
    const marks = (e.todos ?? []).map((t) => `TODO: ${t}.`);
    todos += marks.length;
    (pair.key as Scalar).commentBefore = [e.comment, ...marks].map((l) => ` ${l}`).join("\n");
    if (e.flow && isCollection(pair.value)) pair.value.flow = true;
  }
  const contacts = config.get("shop:contacts");
  if (isMap(contacts)) for (const c of contacts.items) if (isCollection(c.value)) c.value.flow = true;
  return { text: doc.toString({ lineWidth: 0 }), todos };
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
    set("monitoring.heartbeatUrl", "healthchecks-style URL: the dead-man's switch every host pings each minute"),
    `# optional: ${set("backup.heartbeatUrl", "healthchecks-style URL for backup pings")}`,
  );
  return lines;
}

/** A flag's value checked by the same rule as the key it becomes; the error names both. */
function checkFlag(flag: string, key: string, value: string, schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }): string {
  const r = schema.safeParse(value);
  if (!r.success) fail(`error: --${flag}: found ${JSON.stringify(value)}; allowed: ${r.error?.issues[0]?.message ?? "a valid value"} (it becomes ${key})`);
  return value;
}

runMain(async () => {
  const { flags, positional } = parseCommand(process.argv.slice(2), NEW_CUSTOMER_COMMAND);
  const [name, ...extra] = positional;
  if (!name || extra.length) fail(`error: name exactly one new stack\n${USAGE}`);
  if (!/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/.test(name) || !isStackName(name))
    fail(`error: NAME: found ${JSON.stringify(name)}; allowed: 3–32 characters of a-z, 0-9 and '-', starting with a letter (it is also the customer slug, and ${STACK_NAME_RULE})`);
  if (typeof flags.domain !== "string") fail(`error: --domain is required\n${USAGE}`);
  const profile = flags.profile;
  if (profile !== undefined && !PROFILES.includes(String(profile))) fail(`error: --profile: found ${JSON.stringify(String(profile))}; allowed: ${PROFILES.join(", ")}`);
  const inputs: Inputs = {
    name,
    domain: checkFlag("domain", "shop:domains[0].zone", flags.domain, dnsNameSchema),
    profile: profile as string | undefined,
    zoneId: typeof flags["zone-id"] === "string" ? checkFlag("zone-id", "shop:domains[0].zoneId", flags["zone-id"], zoneIdSchema) : undefined,
    // One CIDR per flag: "a, 0.0.0.0/0" is refused, never split into two.
    adminCidr: typeof flags["admin-cidr"] === "string" ? checkFlag("admin-cidr", "shop:adminCidrs[0]", flags["admin-cidr"], adminCidrSchema) : undefined,
  };
  const stacksDir = typeof flags["stacks-dir"] === "string" ? path.resolve(flags["stacks-dir"]) : path.join(PROJECT_ROOT, "stacks");
  const target = stackFilePath(stacksDir, name);
  if (fs.existsSync(target)) fail(`error: ${target} exists; new-customer never overwrites a stack file`);
  let rendered: { text: string; todos: number };
  const header = (from?: string) => `${name}: created by \`npm run new-customer\`${from ? ` with the shape of ${from}` : ""}. Replace every TODO, then follow the printed steps.`;
  if (flags.from !== undefined) {
    const from = String(flags.from);
    // A stack name, never a path: stackFilePath refuses anything else, so --from stays in the stacks folder.
    if (!isStackName(from)) fail(`error: --from: found ${JSON.stringify(from)}; allowed: the name of a stack in ${stacksDir} (${STACK_NAME_RULE})`);
    const source = stackFilePath(stacksDir, from);
    if (!fs.existsSync(source)) fail(`error: --from: no stack file ${source}`);
    rendered = renderStack(inputs, shapeOf(readStackFile(source, from)), header(from));
  } else rendered = renderStack(inputs, {}, header());
  const text = rendered.text;

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

  const todos = rendered.todos;
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
