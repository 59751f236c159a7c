import * as fs from "fs";
import * as path from "path";
import { RUN_ROOT } from "./paths";

/** Commands the lab runs on this machine, and the Debian package that brings each. */
const TOOLS: Record<string, string> = {
  "systemd-nspawn": "systemd-container",
  debootstrap: "debootstrap",
  haproxy: "haproxy",
  dnsmasq: "dnsmasq-base",
  nsenter: "util-linux",
  losetup: "util-linux",
  "mkfs.ext4": "e2fsprogs",
  ip: "iproute2",
  nft: "nftables",
  ssh: "openssh-client",
  "ssh-keygen": "openssh-client",
  setsid: "util-linux",
  tar: "tar",
};

function onPath(bin: string): boolean {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"];
  return dirs.some((d) => d && fs.existsSync(path.join(d, bin)));
}

/** What keeps `up` from working here, as messages; empty when the lab can start. */
export function preflightProblems(stack: string): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push("the lab runs as root (it mounts overlays, creates bridges and containers)");
  const missing = Object.entries(TOOLS).filter(([bin]) => !onPath(bin));
  if (missing.length) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(" ");
    problems.push(`missing ${missing.map(([bin]) => bin).join(", ")}: apt-get install ${packages}`);
  }
  // Every stack's lab uses the same TEST-NET addresses on the public side: one lab at a time.
  const others = fs.existsSync(RUN_ROOT) ? fs.readdirSync(RUN_ROOT).filter((s) => s !== stack) : [];
  if (others.length) problems.push(`the lab of stack ${others.join(", ")} is up; run \`npm run lab -- down --stack ${others[0]}\` first (one lab at a time)`);
  return problems;
}
