import type { core } from "zod";
import { AUTOMATION_USER, CHECKLY_FREE_RUNS_PER_MONTH, checklyRunsPerMonth, images, loadBalancerTypes, networkZoneOf, NGINX_CLIENT_MAX_BODY_MB, serverTypes } from "./catalog";
import { compareVersions, incompatibility, supportedCombinations } from "./compat";
import { databaseNodeNames, imageOf, nodeShortNames } from "./derive";
import { lifecycleWarnings } from "./lifecycle";
import { cidrContains, isPrivateIpv4Cidr, isWorldOpen, parseIpv4Cidr, WORLD_OPEN_IPV4_PREFIX, WORLD_OPEN_IPV6_PREFIX } from "./net";
import { OFFLINE_SECRET_MARKER, SecretString } from "./secret";
import { CONTROL_CHARACTER, DOTENV_SAFE, DOTENV_SAFE_TEXT } from "./text";
import { isPresent, ProblemList, valueAt } from "./problems";
import { StackConfig, stackConfigSchema } from "./schema";

/** Ports that must never be open to the world without a recorded waiver (SEC-1). */
export const sensitivePorts = [22, 3306, 6379] as const;

const DAY_MS = 86_400_000;

/** Accounts Debian, our packages or the blueprint (AUTOMATION_USER among them) own; declaring one would hijack it. */
const reservedUserNames = new Set([
  "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data", "backup",
  "list", "irc", "gnats", "nobody", "sshd", "messagebus", "mysql", "redis", "prometheus", "nginx", AUTOMATION_USER,
]);

/**
 * Groups that exist on the hosts before the users hook runs (Debian's base groups, the packages'
 * and the blueprint's role groups, users.ts/sshd.ts): useradd creates a group named after each
 * user and fails when that name is taken ("group shop-admin exists").
 */
const existingGroupNames = new Set([
  "adm", "tty", "disk", "kmem", "dialout", "fax", "voice", "cdrom", "floppy", "tape", "sudo", "audio", "dip", "operator", "src",
  "shadow", "utmp", "video", "sasl", "plugdev", "staff", "users", "nogroup", "input", "kvm", "render", "netdev", "crontab", "ssh",
  "_ssh", "systemd-journal", "_chrony", "ssl-cert", "polkitd",
  "shop-admin", "shop-deploy", "shop-readonly", "shop-ssh", "shop-managed",
]);

/** zod's own messages start like this; anything else is a message written in schema.ts. */
const zodDefaultMessage = /^(Too small|Too big|Invalid|Unrecognized)/;

function allowedFromIssue(issue: core.$ZodIssue, present: boolean, found?: unknown): string {
  // YAML reads `phone: 0171 …` or `port: 22` unquoted as a number: say how to keep the text.
  if (issue.code === "invalid_type" && issue.expected === "string" && typeof found === "number")
    return `text: YAML read the unquoted value as the number ${found}; put the value in quotes as you mean it, such as phone: "0171 2345678" or port: "22"`;
  if (!zodDefaultMessage.test(issue.message)) return issue.message;
  switch (issue.code) {
    case "invalid_value":
      return `one of ${issue.values.map((v) => String(v)).join(", ")}`;
    case "invalid_type":
      return present ? `a ${issue.expected}` : `a value (this key is required): ${issue.expected}`;
    case "too_small":
      if (issue.origin === "array") return `a list of at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === "string") return `at least ${String(issue.minimum)} characters`;
      return `a number ≥ ${String(issue.minimum)}`;
    case "too_big":
      if (issue.origin === "array") return `a list of at most ${String(issue.maximum)} item(s)`;
      if (issue.origin === "string") return `at most ${String(issue.maximum)} characters`;
      return `a number ≤ ${String(issue.maximum)}`;
    case "unrecognized_keys":
      return "no such key; see the configuration reference in the README";
    default:
      return issue.message;
  }
}

/** Turns zod's issues into problems that quote the key and the value found. */
function schemaProblems(issues: core.$ZodIssue[], problems: ProblemList): void {
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.add([...issue.path, key], allowedFromIssue(issue, true));
    } else if (issue.code === "invalid_key") {
      // A record's key (shop:nodeImages): the key is what was found, its own rule what is allowed.
      problems.add(issue.path, issue.issues.map((i) => i.message).join("; "), String(issue.path.at(-1)));
    } else {
      problems.add(issue.path, allowedFromIssue(issue, isPresent(problems.raw, issue.path), valueAt(problems.raw, issue.path)));
    }
  }
}

export function portCovers(port: string | undefined, protocol: string, target: number): boolean {
  if (protocol === "icmp") return false;
  if (port === undefined || port === "any") return true;
  const [lo, hi] = port.split("-").map(Number);
  return target >= lo && target <= (hi ?? lo);
}

/** Cross-field rules that a schema cannot express. Problems go to the list; warnings are returned. */
export function semanticChecks(config: StackConfig, problems: ProblemList, today: Date): string[] {
  const warnings: string[] = [];
  const production = config.environment === "production";

  const zones = [...new Set(config.locations.map((l) => networkZoneOf[l]))];
  if (zones.length > 1)
    problems.add(["locations"], `locations of one network zone (${Object.entries(networkZoneOf).map(([l, z]) => `${l}: ${z}`).join(", ")})`);
  if (new Set(config.locations).size !== config.locations.length) problems.add(["locations"], "each location once");

  const nodeNames = nodeShortNames(config);
  for (const short of Object.keys(config.nodeImages))
    if (!nodeNames.includes(short)) problems.add(["nodeImages", short], `a node of this stack (${nodeNames.join(", ")})`, short);
  // Every image a node runs must carry the Shopware version: mid-upgrade both releases serve it.
  const inUse = [...new Set(nodeNames.map((n) => imageOf(config, n)))];
  for (const image of inUse) {
    const why = incompatibility(config.shopwareVersion, images[image]);
    const on = inUse.length > 1 ? ` on ${image} (${nodeNames.filter((n) => imageOf(config, n) === image).join(", ")})` : "";
    if (why) problems.add(["shopwareVersion"], `a combination supported by the matrix${on} (${why}); supported: ${supportedCombinations().join("; ")}`);
  }
  warnings.push(...lifecycleWarnings(inUse, config.shopwareVersion, today));

  const range = parseIpv4Cidr(config.network.ipRange);
  const subnet = parseIpv4Cidr(config.network.subnet);
  if (!range || !isPrivateIpv4Cidr(config.network.ipRange))
    problems.add(["network", "ipRange"], "an IPv4 private range (inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) such as 10.10.0.0/16");
  if (!subnet) problems.add(["network", "subnet"], "an IPv4 subnet such as 10.10.1.0/24");
  if (range && subnet) {
    if (!cidrContains(range, subnet)) problems.add(["network", "subnet"], `a subnet inside network.ipRange ${config.network.ipRange}`);
    if (subnet.prefix > 25) problems.add(["network", "subnet"], "a subnet of /25 or larger (the IP plan needs 128 addresses)");
  }

  const hc = config.loadBalancer.healthCheck;
  if (hc.timeout > hc.interval) problems.add(["loadBalancer", "healthCheck", "timeout"], `at most the interval (${hc.interval} s)`);
  const failover = hc.interval * hc.retries + hc.timeout;
  if (failover > 15) warnings.push(`loadBalancer.healthCheck: a dead node stays in rotation up to ${failover} s (default target ≤ 15 s)`);
  const checkly = config.monitoring.checkly;
  if (checkly && checklyRunsPerMonth(checkly) > CHECKLY_FREE_RUNS_PER_MONTH)
    warnings.push(
      `monitoring.checkly: ${checklyRunsPerMonth(checkly)} API check runs a month (${checkly.locations.length} locations every ${checkly.frequencyMinutes} min) exceed Checkly's free plan (${CHECKLY_FREE_RUNS_PER_MONTH}): fewer locations or a longer interval stay free`,
    );

  const appCount = config.appNodes;
  if (config.profile === "small" && appCount !== undefined && appCount !== 2)
    problems.add(["appNodes"], "2 with profile small (two nodes, each app + one database role); use profile standard or large for more");
  if (config.profile === "large" && appCount !== undefined && appCount < 3) problems.add(["appNodes"], "3 or more with profile large");
  const apps = appCount ?? (config.profile === "large" ? 3 : 2);
  if (apps < 2) warnings.push(`appNodes: ${apps} app node(s) is not mirrored (HW-1 fails)`);
  const lbLimit = loadBalancerTypes[config.loadBalancer.type].targets;
  if (apps > lbLimit) problems.add(["appNodes"], `at most ${lbLimit} targets for load balancer type ${config.loadBalancer.type}`);

  for (const role of ["app", "db"] as const) {
    const type = config.serverTypes[role];
    if (production && !serverTypes[type].dedicated)
      warnings.push(`serverTypes.${role}: ${type} is shared vCPU; production wants dedicated ccx* (OPS-3 fails)`);
  }

  const userNames = new Map<string, number>();
  config.users.forEach((u, i) => {
    if (reservedUserNames.has(u.name) || u.name.startsWith("systemd-"))
      problems.add(["users", i, "name"], "a personal account name, not a system account (root, www-data, mysql, shopops, systemd-*, …)");
    else if (existingGroupNames.has(u.name) || u.name.startsWith("_"))
      problems.add(["users", i, "name"], "a name that is not already a group on the hosts (adm, sudo, ssh, shop-admin, shop-deploy, shop-readonly, shop-ssh, shop-managed, …)");
    else if (userNames.has(u.name)) problems.add(["users", i, "name"], `a name used once (also users[${userNames.get(u.name)}])`);
    else userNames.set(u.name, i);
    if (u.expires) {
      const left = (Date.parse(u.expires) - today.getTime()) / DAY_MS;
      if (left < 0) problems.add(["users", i, "expires"], "a date in the future (remove the user to offboard)");
      else if (left <= 14) warnings.push(`users[${i}] ${u.name} expires on ${u.expires}, in ${Math.ceil(left)} day(s)`);
    }
  });
  if (production && !config.users.some((u) => u.role === "admin"))
    warnings.push("users: no admin declared; nobody but the automation user can administer the hosts");

  config.firewall.extraRules.forEach((rule, i) => {
    if (rule.protocol === "icmp" && rule.port !== undefined)
      problems.add(["firewall", "extraRules", i, "port"], "no port with protocol icmp (ICMP has no ports; the Hetzner API refuses one)");
    const worldOpen = rule.sourceIps.some(isWorldOpen);
    const opened = sensitivePorts.filter((p) => portCovers(rule.port, rule.protocol, p));
    if (worldOpen && opened.length && !rule.waiver)
      problems.add(
        ["firewall", "extraRules", i],
        `no world-open rule (a source wider than /${WORLD_OPEN_IPV4_PREFIX} IPv4 or /${WORLD_OPEN_IPV6_PREFIX} IPv6) on port ${opened.join(", ")} unless it carries waiver: "<reason>"`,
        { port: rule.port ?? "any", sourceIps: rule.sourceIps },
      );
  });

  const hooks = config.monitoring.webhooks;
  if (production && hooks.length === 0 && !config.monitoring.webhooksWaiver)
    problems.add(["monitoring", "webhooks"], "at least one webhook in production, or monitoring.webhooksWaiver with a reason");
  const hookNames = new Set<string>();
  hooks.forEach((h, i) => {
    if (hookNames.has(h.name)) problems.add(["monitoring", "webhooks", i, "name"], "a name used once");
    hookNames.add(h.name);
    if (h.type === "pagerduty" && !h.routingKey) problems.add(["monitoring", "webhooks", i, "routingKey"], "a secure PagerDuty routing key for type pagerduty");
  });

  const t = config.monitoring.thresholds;
  if (t.diskWarnPercent >= t.diskCritPercent)
    problems.add(["monitoring", "thresholds", "diskWarnPercent"], `less than diskCritPercent (${t.diskCritPercent})`);

  const zoneNames = new Set<string>();
  config.domains.forEach((d, i) => {
    if (zoneNames.has(d.zone)) problems.add(["domains", i, "zone"], "each zone once");
    zoneNames.add(d.zone);
    if (!d.apex && !d.www && d.extraHosts.length === 0) problems.add(["domains", i], "at least one of apex, www or extraHosts");
  });

  if (!config.dns.proxied && config.dns.cloudflareOnly === true)
    problems.add(["dns", "cloudflareOnly"], "false (or unset) when dns.proxied is false: visitors then connect directly and nginx would refuse every one");

  const upload = parseInt(config.php.uploadMaxFilesize, 10);
  if (upload > NGINX_CLIENT_MAX_BODY_MB)
    problems.add(["php", "uploadMaxFilesize"], `at most ${NGINX_CLIENT_MAX_BODY_MB}M, nginx's client_max_body_size (a larger upload is refused before PHP sees it)`);
  if (upload >= parseInt(config.php.memoryLimit, 10))
    problems.add(["php", "uploadMaxFilesize"], `less than php.memoryLimit (${config.php.memoryLimit}): post_max_size equals it and must fit in memory_limit`);

  const dbNames = databaseNodeNames(config.profile);
  const allowedDb = `one of this profile's database nodes (${dbNames.join(", ")})`;
  const { primary, outOfService } = config.database;
  if (primary !== undefined && !dbNames.includes(primary)) problems.add(["database", "primary"], allowedDb, primary);
  outOfService.forEach((name, i) => {
    if (!dbNames.includes(name)) problems.add(["database", "outOfService", i], allowedDb, name);
    else if (name === (primary ?? dbNames[0])) problems.add(["database", "outOfService", i], `a node other than the primary (${name}): the shop cannot run without it`, name);
    else if (outOfService.indexOf(name) !== i) problems.add(["database", "outOfService", i], "each node once", name);
  });

  // MariaDB replicates from an older series into a newer one, never back (its replication
  // compatibility rules): a replica in service may not run an older MariaDB than the primary.
  const primaryName = primary ?? dbNames[0];
  const mariadbOf = (short: string) => images[imageOf(config, short)]?.mariadb;
  for (const replica of dbNames.filter((n) => n !== primaryName && !outOfService.includes(n))) {
    const [from, to] = [mariadbOf(primaryName), mariadbOf(replica)];
    if (from && to && compareVersions(to, from) < 0)
      problems.add(
        ["nodeImages", replica],
        `an image whose MariaDB is not older than the primary's: ${replica} would replicate ${primaryName}'s MariaDB ${from} into ${to}, which MariaDB does not support; rebuild ${replica} on ${imageOf(config, primaryName)}, or list it in shop:database.outOfService until then`,
        imageOf(config, replica),
      );
  }

  secretValueChecks(config, problems);

  const mail = config.mail;
  if (mail && (mail.spf || mail.dkim.length || mail.dmarc)) {
    const senderDomain = mail.sender.split("@")[1].toLowerCase();
    if (!config.domains.some((d) => d.zone === senderDomain))
      problems.add(["mail", "sender"], `an address at one of the zones in shop:domains (${config.domains.map((d) => d.zone).join(", ")}): mail.spf, mail.dkim and mail.dmarc go into the sender's zone`);
  }

  const backupLocation = config.backup.location ?? config.locations[0];
  if (networkZoneOf[backupLocation] !== zones[0]) warnings.push(`backup.location ${backupLocation} is outside the servers' network zone`);

  if (config.deployerCidrs.length === 0)
    warnings.push("deployerCidrs is empty: converge reaches the hosts over SSH, so the machine running `pulumi up` must be inside adminCidrs");

  return warnings;
}

/**
 * Real secret values (offline they are placeholders) end up in host files: the ones in
 * Shopware's unquoted .env.local must be dotenv-safe, the rest one line for secrets.env.
 * A problem names the key and never the value.
 */
/** A heartbeat URL shop-health can append /start and /fail to. */
const HEARTBEAT_URL = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~%-]+)*\/?$/;

function secretValueChecks(config: StackConfig, problems: ProblemList): void {
  const check = (path: (string | number)[], secret: SecretString | undefined, inEnvLocal: boolean) => {
    if (!secret) return;
    const value = secret.reveal();
    if (inEnvLocal && !DOTENV_SAFE.test(value)) problems.add(path, `a value of ${DOTENV_SAFE_TEXT} (it is written unquoted into .env.local)`, secret);
    else if (CONTROL_CHARACTER.test(value) || value.includes("{{")) problems.add(path, "a one-line value without control characters or '{{'", secret);
  };
  check(["appSecret"], config.appSecret, true);
  // Shopware signs its API tokens with HMAC-SHA256 keyed by APP_SECRET (6.7's default), and
  // lcobucci/jwt refuses a key shorter than 256 bits when it signs: the Admin login would fail.
  const appSecret = config.appSecret?.reveal();
  if (appSecret !== undefined && !appSecret.startsWith(OFFLINE_SECRET_MARKER) && DOTENV_SAFE.test(appSecret) && appSecret.length < 32)
    problems.add(["appSecret"], `at least 32 characters (${appSecret.length} given): Shopware's API tokens are signed with it, and its JWT library refuses a shorter key; openssl rand -hex 32 makes one`, config.appSecret);
  check(["media", "accessKey"], config.media.accessKey, true);
  check(["media", "secretKey"], config.media.secretKey, true);
  check(["backup", "heartbeatUrl"], config.backup.heartbeatUrl, false);
  check(["monitoring", "heartbeatUrl"], config.monitoring.heartbeatUrl, false);
  // shop-health appends /start and /fail to it: it must be a plain http(s) URL.
  const beat = config.monitoring.heartbeatUrl;
  const oneLine = (v: string) => !CONTROL_CHARACTER.test(v) && !v.includes("{{");
  if (beat && !beat.reveal().startsWith(OFFLINE_SECRET_MARKER) && oneLine(beat.reveal()) && !HEARTBEAT_URL.test(beat.reveal()))
    problems.add(["monitoring", "heartbeatUrl"], "an http(s) URL such as https://hc-ping.com/<uuid> (no spaces, quotes, query or fragment)", beat);
  config.monitoring.webhooks.forEach((h, i) => {
    check(["monitoring", "webhooks", i, "url"], h.url, false);
    check(["monitoring", "webhooks", i, "routingKey"], h.routingKey, false);
  });
  if (config.mail) {
    check(["mail", "dsn"], config.mail.dsn, true);
    const why = mailDsnProblem(config.mail.dsn.reveal());
    if (why) problems.add(["mail", "dsn"], why, config.mail.dsn);
  }
}

/** Ports Hetzner Cloud blocks outbound (SMTP and SMTPS): a relay must be reached on 587. */
export const BLOCKED_MAIL_PORTS = ["25", "465"];

/**
 * Why a Symfony Mailer DSN cannot deliver from a Hetzner Cloud server, or undefined. SMTP
 * transports need an explicit port (smtp defaults to 25, smtps and most providers' +smtp to
 * 465, both blocked); API transports (ses+api://, sendgrid+api://, …) use HTTPS.
 */
export function mailDsnProblem(value: string): string | undefined {
  if (value.startsWith(OFFLINE_SECRET_MARKER)) return undefined;
  const allowed = "a Symfony Mailer DSN that submits on 587 (smtp://user:password@relay.example:587) or a provider's API (such as ses+api://KEY:SECRET@default)";
  const m = /^([a-z0-9]+(?:\+[a-z0-9]+)?):\/\/([^?]+)/.exec(value);
  if (!m) return allowed;
  const scheme = m[1];
  if (["null", "native", "sendmail"].includes(scheme)) return `${allowed}: ${scheme}:// needs a local mail server that delivers on port 25, which Hetzner Cloud blocks outbound`;
  if (!/(^|\+)smtps?$/.test(scheme)) return undefined;
  const hostPort = m[2].slice(m[2].lastIndexOf("@") + 1).split("/")[0];
  const port = /:(\d{1,5})$/.exec(hostPort)?.[1];
  if (!port) return `${allowed}: name the port; without one ${scheme} uses 25 or 465, which Hetzner Cloud blocks outbound`;
  if (BLOCKED_MAIL_PORTS.includes(port)) return `${allowed}: port ${port} is blocked outbound on Hetzner Cloud`;
  return undefined;
}

export function parseConfig(raw: unknown, problems: ProblemList): StackConfig | undefined {
  const result = stackConfigSchema.safeParse(raw);
  if (!result.success) {
    schemaProblems(result.error.issues, problems);
    return undefined;
  }
  return result.data;
}
