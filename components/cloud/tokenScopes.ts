/**
 * The API token permissions `pulumi up` needs, by the resource types a stack declares: the
 * plan prints the ones its stack needs, the README lists them all. Cloudflare's names are the
 * dashboard's (Edit = the API's Write), see
 * https://developers.cloudflare.com/fundamentals/api/reference/permissions/.
 */
export interface TokenScope {
  token: "HCLOUD_TOKEN" | "CLOUDFLARE_API_TOKEN";
  scope: string;
  /** What the stack does with it. */
  for: string;
}

const hetzner: TokenScope = { token: "HCLOUD_TOKEN", scope: "project token, Read & Write", for: "servers, network, LB, firewalls, keys, certificate, Storage Box" };
/** Every Cloudflare resource names its zone, which the provider reads (and monitoring reads its account). */
const zoneRead: TokenScope = { token: "CLOUDFLARE_API_TOKEN", scope: "Zone · Zone · Read", for: "reading each zone (and its account, for notifications)" };

/** Pulumi type token → the permission creating it needs. Types without a row need no token. */
export const scopeByType: Record<string, TokenScope> = {
  "cloudflare:index/dnsRecord:DnsRecord": { token: "CLOUDFLARE_API_TOKEN", scope: "Zone · DNS · Edit", for: "the shop's records" },
  "cloudflare:index/originCaCertificate:OriginCaCertificate": { token: "CLOUDFLARE_API_TOKEN", scope: "Zone · SSL and Certificates · Edit", for: "the Origin CA certificate" },
  "cloudflare:index/zoneSetting:ZoneSetting": { token: "CLOUDFLARE_API_TOKEN", scope: "Zone · Zone Settings · Edit", for: "strict TLS, once dns.target is lb" },
  "cloudflare:index/ruleset:Ruleset": { token: "CLOUDFLARE_API_TOKEN", scope: "Zone · Zone WAF · Edit", for: "the /admin allow-list (access.adminAllowlist)" },
  "cloudflare:index/healthcheck:Healthcheck": { token: "CLOUDFLARE_API_TOKEN", scope: "Zone · Health Checks · Edit", for: "external checks (monitoring.cloudflareHealthchecks)" },
  "cloudflare:index/notificationPolicy:NotificationPolicy": { token: "CLOUDFLARE_API_TOKEN", scope: "Account · Notifications · Edit", for: "health check alerts to the webhooks" },
  "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks": { token: "CLOUDFLARE_API_TOKEN", scope: "Account · Notifications · Edit", for: "health check alerts to the webhooks" },
};

export function scopeOf(type: string): TokenScope | undefined {
  if (type.startsWith("hcloud:")) return hetzner;
  return scopeByType[type];
}

/** The scopes a set of declared resource types needs, each once, Hetzner first. */
export function scopesFor(types: Iterable<string>): TokenScope[] {
  const all = [...new Set(types)];
  const found = all.map(scopeOf).filter((s): s is TokenScope => !!s);
  if (all.some((t) => t.startsWith("cloudflare:"))) found.push(zoneRead);
  const unique = new Map(found.map((s) => [`${s.token} ${s.scope}`, s]));
  return [...unique.values()].sort((a, b) => a.token.localeCompare(b.token) * -1 || a.scope.localeCompare(b.scope));
}

/** Every scope any stack may need: what the README lists. */
export function allScopes(): TokenScope[] {
  return scopesFor(["hcloud:index/server:Server", ...Object.keys(scopeByType)]);
}
