/**
 * Hostile inputs, as an attacker editing a stack file would write them. Each case says what must
 * happen: refused with a problem naming `key` (and never echoing the `hidden` strings), or
 * accepted and rendered inertly (`inert`: the text that must land only in comments or JSON
 * strings, never ship a secret, never add a line).
 */

type Raw = Record<string, any>;

/** What an edit may need from the copy's modules: a secret as the real engine hands it over. */
export interface Lib {
  secret(value: string): unknown;
}

export interface EditCase {
  name: string;
  edit: (raw: Raw, lib: Lib) => void;
  /** The problem's key as printed (`shop:adminCidrs[0]`); absent for accepted cases. */
  refused?: string;
  allowed?: RegExp;
  /** Text that must not appear anywhere in the error output. */
  hidden?: string[];
  /** How the problem must quote the value found. */
  found?: RegExp;
  /** For accepted cases: the hostile text that must render inertly … */
  inert?: string;
  /** … and the same edit with any text, so a neutral text gives the baseline to compare with. */
  editWith?: (text: string) => (raw: Raw) => void;
}

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileSuiteKeyOnlyForValidationChecks000000";

const set = (key: string, value: unknown) => (raw: Raw) => void (raw[key] = value);
const setIn = (key: string, sub: string, value: unknown) => (raw: Raw) => void (raw[key] = { ...(raw[key] ?? {}), [sub]: value });
const rule = (r: Raw) => (raw: Raw) => void (raw.firewall = { extraRules: [{ description: "hostile", protocol: "tcp", port: "443", sourceIps: ["198.51.100.7/32"], ...r }] });
const user = (u: Raw) => (raw: Raw) => void (raw.users = [{ name: "alice", role: "readonly", sshKeys: [KEY], ...u }]);
const media = (m: Raw) => (raw: Raw) => void (raw.media = { ...raw.media, ...m });
const owner = (c: Raw) => (raw: Raw) => void (raw.contacts = { ...raw.contacts, owner: { ...raw.contacts.owner, ...c } });

const cases: EditCase[] = [];
const refuse = (name: string, edit: (raw: Raw, lib: Lib) => void, refused: string, allowed?: RegExp, hidden?: string[]) => cases.push({ name, edit, refused, allowed, hidden });
const inert = (name: string, editWith: (text: string) => (raw: Raw) => void, text: string) => cases.push({ name, edit: editWith(text), inert: text, editWith });

// World-open spelled every way, in every CIDR list that never takes a waiver.
const worldOpen = ["0.0.0.0/0", "::/0", "0::/0", "0.0.0.0/1", "128.0.0.0/1", "0.0.0.0/7", "::/15", "2000::/3", "8000::/1"];
for (const key of ["adminCidrs", "deployerCidrs", "monitoringCidrs"])
  for (const c of worldOpen) refuse(`${key} world-open as ${c}`, set(key, [c]), `shop:${key}[0]`, /world-open/);
for (const c of ["0.0.0.0/0", "::/0", "0.0.0.0/1", "::/8"]) refuse(`access.adminAllowlist world-open as ${c}`, set("access", { adminAllowlist: [c] }), "shop:access.adminAllowlist[0]", /world-open/);
refuse("adminCidrs with host bits at /0 (1.2.3.4/0)", set("adminCidrs", ["1.2.3.4/0"]), "shop:adminCidrs[0]", /network's first address/);
// World-open on sensitive ports without a waiver.
for (const [port, src] of [["22", "0.0.0.0/1"], ["3306", "::/0"], ["6379", "0.0.0.0/0"], ["any", "128.0.0.0/1"], ["20-30", "2000::/3"], ["6000-7000", "0::/0"]])
  refuse(`firewall rule port ${port} from ${src} without waiver`, rule({ port, sourceIps: [src] }), "shop:firewall.extraRules[0]", /world-open/);

// IP literals that are not canonical, or not IPs at all.
for (const c of ["198.051.100.010/32", "1.2.3/32", "0x7f.0.0.1/32", "1.2.3.4/33", "1.2.3.4/032", "1:::2/64", "1::2::3/64", "::ffff:1.2.3.256/128", " 198.51.100.7/32", "198.51.100.7/32\n", "198.51.100.7", "10.0.0.1/24", "2001:db8::1/48", "a, 0.0.0.0/0"])
  refuse(`adminCidrs ${JSON.stringify(c)}`, set("adminCidrs", [c]), "shop:adminCidrs[0]", /CIDR/);

// Ports nft or the Hetzner API refuse.
for (const port of ["99999", "65536", "100-1", "0", "1-1", "-1", "80,443", "80 443", "0080", "22\n"]) refuse(`port ${JSON.stringify(port)}`, rule({ port }), "shop:firewall.extraRules[0].port", /port/);
refuse("icmp with a port", rule({ protocol: "icmp", port: "8" }), "shop:firewall.extraRules[0].port", /icmp/);

// Lines injected into .env.local, and secret tokens spelled by the user.
for (const region of ["fsn1\nAPP_ENV=dev", "$(id)", "`id`", "{{secret:DB_REPLICATION_PASSWORD}}", "fsn1 #x", "fsn1'", "FSN1", "fsn1;id"])
  refuse(`media.region ${JSON.stringify(region)}`, media({ region }), "shop:media.region");
for (const endpoint of ["https://$(id).example.com", "https://a.example.com/`id`", "https://{{secret:APP_SECRET}}.de", "https://a.example.com\nX=1", "http://a.example.com", "https://a.example.com/$HOME"])
  refuse(`media.endpoint ${JSON.stringify(endpoint)}`, media({ endpoint }), "shop:media.endpoint");
for (const publicUrl of ["https://a.example.de/$(id)", "https://a.example.de/{{secret:DB_SHOP_PASSWORD}}", "https://a.example.de/x y", 'https://a.example.de/"', "https://a.example.de/`id`", "https://a.example.de/?x=$HOME"])
  refuse(`media.publicUrl ${JSON.stringify(publicUrl)}`, media({ publicUrl }), "shop:media.publicUrl");
refuse("media.bucket with command substitution", media({ bucket: "a$(id)b" }), "shop:media.bucket");

// Free text with line breaks or controls: refused by name.
for (const [what, bad] of [["newline", "x\n[mariadbd]\nskip-grant-tables"], ["CR", "x\rDescription=y"], ["NUL", "x\u0000y"], ["line separator", "x\u2028y"], ["escape", "x\u001b[2Jy"]] as const) {
  refuse(`firewall description with ${what}`, rule({ description: bad }), "shop:firewall.extraRules[0].description", /one line/);
  refuse(`user comment with ${what}`, user({ comment: bad }), "shop:users[0].comment", /one line/);
  refuse(`contact name with ${what}`, owner({ name: bad }), "shop:contacts.owner.name", /one line/);
}
refuse("waiver with a newline", rule({ port: "22", sourceIps: ["0.0.0.0/0"], waiver: "legacy ERP access\n## fake heading" }), "shop:firewall.extraRules[0].waiver", /one line/);
refuse("SSH key comment with a newline", user({ sshKeys: [`${KEY} ok\nssh-rsa AAAA evil`] }), "shop:users[0].sshKeys[0]");
refuse("SSH key comment with NUL", user({ sshKeys: [`${KEY} a\u0000b`] }), "shop:users[0].sshKeys[0]");
refuse("e-mail with markup", owner({ email: "<script>@x.de" }), "shop:contacts.owner.email");
refuse("e-mail with a quote", owner({ email: 'a"b@x.de' }), "shop:contacts.owner.email");

// Free text that is accepted: it must render inertly (comments and JSON strings only, no secret shipped).
for (const text of ['"; } server { listen 1; } #', "{{secret:DB_REPLICATION_PASSWORD}}", "$(touch /tmp/pwned) `id`", "DB_REPLICATION_PASSWORD REDIS_PASSWORD APP_SECRET", "%h %n \\ ' \""])
  inert(`firewall description ${JSON.stringify(text)}`, (t) => rule({ description: t }), text);
for (const text of ["{{secret:APP_SECRET}}", "DB_REPLICATION_PASSWORD", "<script>alert(1)</script>", "[x](javascript:alert(1))"])
  inert(`user comment ${JSON.stringify(text)}`, (t) => user({ comment: t }), text);
for (const text of ["{{secret:DB_REPLICATION_PASSWORD}} RESTIC_PASSWORD", "$(id) `id`"]) inert(`SSH key comment ${JSON.stringify(text)}`, (t) => user({ sshKeys: [`${KEY} ${t}`] }), text);
for (const text of ["**Bob** <img src=x onerror=alert(1)>", "# Heading | cell |"]) inert(`contact name ${JSON.stringify(text)}`, (t) => owner({ name: t }), text);

// Dates that do not exist.
for (const d of ["2027-02-30", "2027-13-01", "2027-00-10", "2027-02-29", "2027-1-1", "27-01-01", "2027-04-31"]) refuse(`user expiry ${d}`, user({ expires: d }), "shop:users[0].expires", /date/);

// Schedules systemd would reject, or that would add unit lines.
for (const [key, expr] of [["dbSchedule", "*-*-99 00:00"], ["filesSchedule", "*-*-* 25:00"], ["checkSchedule", "Monxyz *-*-* 01:00"], ["mediaSchedule", "hourly\nExecStart=/bin/sh"], ["dbSchedule", "*-*-* 00:00; rm -rf /"], ["filesSchedule", "*-*-0 01:00"], ["checkSchedule", "*-*-* 1:60"], ["mediaSchedule", "%h"]])
  refuse(`backup.${key} ${JSON.stringify(expr)}`, setIn("backup", key, expr), `shop:backup.${key}`);

// Percentages and sizes a host tool refuses.
for (const p of ["0%", "101%", "00%", "5", "-5%", "5%%"]) refuse(`checkReadDataSubset ${p}`, setIn("backup", "checkReadDataSubset", p), "shop:backup.checkReadDataSubset");
for (const v of [0, 101, -1]) refuse(`diskWarnPercent ${v}`, (raw) => (raw.monitoring = { ...raw.monitoring, thresholds: { diskWarnPercent: v } }), "shop:monitoring.thresholds.diskWarnPercent");
for (const m of ["0M", "1G", "768", "0768M", "-1", "768M\nextension=evil.so", "127M"]) refuse(`php.memoryLimit ${JSON.stringify(m)}`, setIn("php", "memoryLimit", m), "shop:php.memoryLimit");
refuse("uploadMaxFilesize above nginx's client_max_body_size", setIn("php", "uploadMaxFilesize", "256M"), "shop:php.uploadMaxFilesize", /client_max_body_size/);
refuse("uploadMaxFilesize not below memoryLimit", (raw) => (raw.php = { memoryLimit: "128M", uploadMaxFilesize: "128M" }), "shop:php.uploadMaxFilesize", /memoryLimit/);
refuse("proxied false with cloudflareOnly true", set("dns", { proxied: false, cloudflareOnly: true }), "shop:dns.cloudflareOnly");

// User names useradd refuses or that hijack a group.
for (const n of ["shop-admin", "shop-ssh", "adm", "sudo", "users", "root", "_apt", "Alice", "a", "a b", "a\nb", "x".repeat(40)]) refuse(`user name ${JSON.stringify(n)}`, user({ name: n }), "shop:users[0].name");

// Networks Hetzner refuses or that misplace the nodes.
for (const r of ["8.8.0.0/16", "100.64.0.0/16", "fd00::/8", "10.10.0.1/16", "192.169.0.0/16"]) refuse(`network.ipRange ${r}`, setIn("network", "ipRange", r), "shop:network.ipRange");
for (const s of ["10.10.1.220/24", "10.11.1.0/24", "10.10.1.0/26"]) refuse(`network.subnet ${s}`, setIn("network", "subnet", s), "shop:network.subnet");

// DNS targets that are no public address.
for (const t of ["0.0.0.0", ":::", "::", "10.0.0.5", "127.0.0.1", "192.168.1.1", "169.254.1.1", "224.0.0.1", "fe80::1", "::1", "100.64.0.1", "lb\n", "1.2.3.4 "]) refuse(`dns.target ${JSON.stringify(t)}`, setIn("dns", "target", t), "shop:dns.target");

// Plain values at secret keys, of every type: refused, never echoed.
for (const [key, value, leak] of [
  ["appSecret", "plain-app-secret-123", "plain-app-secret-123"],
  ["appSecret", 987654321, "987654321"],
  ["appSecret", ["leak-in-list"], "leak-in-list"],
  ["appSecret", { nested: "leak-in-map" }, "leak-in-map"],
  ["appSecret", true, "true"],
] as const)
  refuse(`plain ${typeof value} at appSecret`, set(key, value), "shop:appSecret", /secure/, [leak]);
refuse("plain number at media.accessKey", media({ accessKey: 31415926535 }), "shop:media.accessKey", /secure/, ["31415926535"]);
refuse("plain map at a webhook url", (raw) => (raw.monitoring = { ...raw.monitoring, webhooks: [{ name: "x", type: "slack", url: { token: "hook-token-leak" } }] }), "shop:monitoring.webhooks[0].url", /secure/, ["hook-token-leak"]);
refuse("webhook with a plain url and an unknown key", (raw) => (raw.monitoring = { ...raw.monitoring, webhooks: [{ name: "x", type: "slack", url: "https://hooks.example/leak-7", extra: 1 }] }), "shop:monitoring.webhooks[0].url", /secure/, ["leak-7"]);
refuse("webhooks as a plain string list", (raw) => (raw.monitoring = { ...raw.monitoring, webhooks: ["https://hooks.example/leak-8"] }), "shop:monitoring.webhooks[0]", undefined, ["leak-8"]);

// Real secret values (decrypted by the engine) that would break out of .env.local or secrets.env.
for (const [key, value] of [["appSecret", "abc$(id)"], ["appSecret", "abc'def"], ["appSecret", "abc def"], ["appSecret", "{{secret:DB_REPLICATION_PASSWORD}}"]] as const)
  refuse(`real ${key} ${JSON.stringify(value)}`, (raw, lib) => (raw[key] = lib.secret(value)), `shop:${key}`, /\.env\.local/, [value]);
refuse("real appSecret of 31 characters", (raw, lib) => (raw.appSecret = lib.secret("Ab3".repeat(10) + "x")), "shop:appSecret", /at least 32 characters \(31 given\)/, ["Ab3Ab3Ab3"]);
refuse("real media.secretKey with a backtick", (raw, lib) => (raw.media = { ...raw.media, secretKey: lib.secret("k`id`") }), "shop:media.secretKey", /\.env\.local/, ["k`id`"]);
refuse("real webhook url with a newline", (raw, lib) => (raw.monitoring = { ...raw.monitoring, webhooks: [{ name: "ops-x", type: "slack", url: lib.secret("https://h.example/a\nB=1") }] }), "shop:monitoring.webhooks[0].url", /one-line/, ["h.example"]);
refuse("plain monitoring.heartbeatUrl", (raw) => (raw.monitoring = { ...raw.monitoring, heartbeatUrl: "https://hc-ping.example/leak-hb1" }), "shop:monitoring.heartbeatUrl", /secure/, ["leak-hb1"]);
refuse("real monitoring heartbeat with a newline", (raw, lib) => (raw.monitoring = { ...raw.monitoring, heartbeatUrl: lib.secret("https://hc.example/a\nX=1") }), "shop:monitoring.heartbeatUrl", /one-line/, ["hc.example"]);
refuse("real monitoring heartbeat with {{", (raw, lib) => (raw.monitoring = { ...raw.monitoring, heartbeatUrl: lib.secret("https://hc.example/{{secret:REDIS_PASSWORD}}") }), "shop:monitoring.heartbeatUrl", /one-line/, ["hc.example"]);
for (const value of ["https://hc.example/x?a=$(id)", "hc.example/uuid", "file:///etc/shadow", "https://hc.example/a b", "https://hc.example/'x"])
  refuse(`real monitoring heartbeat ${JSON.stringify(value)}`, (raw, lib) => (raw.monitoring = { ...raw.monitoring, heartbeatUrl: lib.secret(value) }), "shop:monitoring.heartbeatUrl", /http\(s\) URL/, [value]);
refuse("real backup heartbeat with {{", (raw, lib) => (raw.backup = { ...raw.backup, heartbeatUrl: lib.secret("https://h.example/{{secret:APP_SECRET}}") }), "shop:backup.heartbeatUrl", /one-line/, ["h.example"]);

// Numbers JSON cannot write are named as what they are.
for (const [v, word] of [[Infinity, /^\.inf/], [-Infinity, /^-\.inf/], [NaN, /^\.nan/]] as const)
  cases.push({ name: `load1PerCore ${String(v)}`, edit: (raw) => (raw.monitoring = { ...raw.monitoring, thresholds: { load1PerCore: v } }), refused: "shop:monitoring.thresholds.load1PerCore", found: word });
cases.push({ name: "appNodes 1e400", edit: set("appNodes", 1e400), refused: "shop:appNodes", found: /^\.inf/ });

// "(this key is required)" only for keys that are absent.
refuse("customer: null (present)", set("customer", null), "shop:customer", /^a string$/);
refuse("customer absent", (raw) => delete raw.customer, "shop:customer", /this key is required/);

export const editCases = cases;

/** Stack names that must be refused before any use (file names, --stack, host names, nginx, MariaDB). */
export const badStackNames = [
  "..", ".", "...", "../x", "x/../..", "a/b", "", "-x", "x-", "A", "Demo", "a_b", "a.b", "a b", "a\nb",
  'a"; } server { listen 80; } #', "a\n[mariadbd]\nskip-grant-tables", "x".repeat(57), "über", "$(id)", "a;b", "~", "a\u0000b",
];

/** Whole stack files that the reader refuses, with the key or file the problem names. */
export const badFiles: { name: string; yaml: string; names: RegExp }[] = [
  { name: "shop:customer:evil", yaml: "config:\n  shop:customer:evil: x\n", names: /shop:customer:evil/ },
  { name: "shop:__proto__", yaml: "config:\n  shop:__proto__: {customer: x}\n", names: /shop:__proto__/ },
  { name: "shop:constructor", yaml: "config:\n  shop:constructor: 1\n", names: /shop:constructor/ },
  { name: "shop:Customer (case)", yaml: "config:\n  shop:Customer: x\n", names: /shop:Customer/ },
  { name: "empty shop key", yaml: 'config:\n  "shop:": x\n', names: /shop:/ },
  { name: "key with a newline", yaml: 'config:\n  "shop:customer\\nerror: fake": x\n', names: /shop:customer\\n/ },
  { name: "foreign namespace", yaml: "config:\n  evil:x: 1\n", names: /evil:x/ },
  { name: "nested __proto__", yaml: "config:\n  shop:php: {__proto__: {memoryLimit: 1M}}\n", names: /__proto__/ },
  { name: "alias bomb", yaml: aliasBomb(), names: /\.yaml:2: found YAML aliases .*Excessive alias count/ },
  { name: "unresolved alias", yaml: "config:\n  shop:customer: *nope\n", names: /\.yaml:2: found YAML aliases .*Unresolved alias/ },
  { name: "duplicate key", yaml: "config:\n  shop:customer: a\n  shop:customer: b\n", names: /:\d+/ },
  { name: "no config map", yaml: "- a\n- b\n", names: /shop:config/ },
];

function aliasBomb(): string {
  let text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (let i = 0; i < 8; i++) text += `b${i}: &b${i} [${Array(10).fill(i ? `*b${i - 1}` : "*a").join(", ")}]\n`;
  return `${text}config:\n  shop:customer: *b7\n`;
}
