import type { ShopSpec } from "../config";
import type { BundleFile, BundleRenderer } from "./types";
import { iniValue } from "./escape";

/** Stable part: read before shop.local, shipped in the cloud-init bootstrap bundle too. */
export const FAIL2BAN_BACKEND_PATH = "/etc/fail2ban/jail.d/00-shop-backend.local";
export const FAIL2BAN_JAIL_PATH = "/etc/fail2ban/jail.d/shop.local";

type Section = Record<string, string>;

/**
 * fail2ban for SSH (SEC-2). Debian 12 has no auth.log, so the journal is the only source
 * (backend systemd, python3-systemd), and bans go to nftables in fail2ban's own table.
 * Without this, Debian's fail2ban fails on first boot; it depends on no stack value, so the
 * bootstrap applies it and a fresh host is not "degraded" while it waits for converge.
 */
export function fail2banBackendFile(): BundleFile {
  const jails: Record<string, Section> = {
    DEFAULT: { backend: "systemd", banaction: "nftables-multiport", banaction_allports: "nftables-allports" },
    sshd: { enabled: "true", backend: "systemd", mode: "aggressive", port: "ssh" },
  };
  return { path: FAIL2BAN_BACKEND_PATH, mode: "0644", owner: "root:root", content: renderJails(jails), restarts: ["fail2ban.service"] };
}

/** Day-2 part: ban policy, and the deployer CIDRs that are never banned (a locked-out converge would stop every later change). */
export function fail2banJails(spec: ShopSpec): Record<string, Section> {
  return {
    DEFAULT: {
      bantime: "1h",
      "bantime.increment": "true",
      findtime: "10m",
      maxretry: "5",
      ignoreip: ["127.0.0.1/8", "::1", ...spec.deployerCidrs].join(" "),
    },
  };
}

export function renderJails(jails: Record<string, Section>): string {
  const out = ["# Managed by the shop blueprint (SEC-2): fail2ban jails."];
  for (const [name, settings] of Object.entries(jails)) {
    out.push("", `[${name}]`, ...Object.entries(settings).map(([k, v]) => `${k} = ${iniValue(v)}`));
  }
  return out.join("\n") + "\n";
}

export const fail2ban: BundleRenderer = (spec) => [
  fail2banBackendFile(),
  { path: FAIL2BAN_JAIL_PATH, mode: "0644", owner: "root:root", content: renderJails(fail2banJails(spec)), restarts: ["fail2ban.service"] },
];
