import type { ShopSpec } from "../config";

/** One Hetzner project SSH key: rescue access for an admin (SEC-2). */
export interface RescueKey {
  name: string;
  user: string;
  publicKey: string;
}

/**
 * Only admins get Hetzner project keys; every other role reaches hosts through converge alone.
 * The keys never reach a Server input (D2): they are for the rescue system and new servers
 * created by hand. Hetzner rejects the same key twice in one project, hence one entry per key.
 */
export function rescueKeys(spec: ShopSpec): RescueKey[] {
  return spec.users
    .filter((u) => u.role === "admin")
    .flatMap((u) => [...new Set(u.sshKeys)].map((publicKey, i) => ({ name: `${spec.stack}-${u.name}-${i + 1}`, user: u.name, publicKey })));
}

/** The Shopware administration lives under /admin (its API under /api stays open for integrations). */
export const ADMIN_PATH = "/admin";

/** A Cloudflare rules-language expression matching /admin requests from outside the allow-list. */
export function adminBlockExpression(allowlist: string[]): string | undefined {
  if (allowlist.length === 0) return undefined;
  return `(starts_with(http.request.uri.path, "${ADMIN_PATH}") and not ip.src in {${[...new Set(allowlist)].join(" ")}})`;
}
