import { AUTOMATION_USER } from "../config";
import type { BundleFile, BundleRenderer } from "./types";

/** Declared users log in through this group; the users hook (apply.d/20-users) adds them to it. */
export const SSH_GROUP = "shop-ssh";

/**
 * Root-owned key files, one per declared user, written by the users hook. Users cannot add keys
 * there; ~/.ssh/authorized_keys stays in the list for the automation user that cloud-init creates.
 */
export const AUTHORIZED_KEYS_DIR = "/etc/ssh/authorized_keys.d";

export const SSHD_HARDENING_PATH = "/etc/ssh/sshd_config.d/10-hardening.conf";

/**
 * The SSH hardening drop-in (SEC-2/SEC-3). sshd keeps the first value it reads and
 * cloud-init writes 50-cloud-init.conf, so this must sort before it (docs/design.md §8 "cloud-init").
 * AllowGroups also names the automation user's primary group: cloud-init creates that user
 * before any converge runs, so converge can log in before the users hook created shop-ssh.
 */
export function renderSshdHardening(): string {
  return [
    "# Managed by the shop blueprint (SEC-2): keys only, no root, no forwarding.",
    "PermitRootLogin no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    `AuthorizedKeysFile .ssh/authorized_keys ${AUTHORIZED_KEYS_DIR}/%u`,
    "MaxAuthTries 3",
    "LoginGraceTime 30",
    `AllowGroups ${SSH_GROUP} ${AUTOMATION_USER}`,
    "X11Forwarding no",
    "AllowAgentForwarding no",
    "AllowTcpForwarding no",
    "AllowStreamLocalForwarding no",
    "DisableForwarding yes",
    "PermitTunnel no",
    "",
  ].join("\n");
}

export const sshdHardeningFile = (): BundleFile => ({
  path: SSHD_HARDENING_PATH,
  mode: "0644",
  owner: "root:root",
  content: renderSshdHardening(),
  restarts: ["ssh.service"],
});

export const sshdHardening: BundleRenderer = () => [sshdHardeningFile()];
