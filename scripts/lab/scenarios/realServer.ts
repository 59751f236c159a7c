import { ssh } from "../ssh";
import { LAB_READONLY_USER } from "../stackFile";
import { check, LabContext, Scenario } from "./context";

/** 2. OPS-3: over SSH, as a readonly user from an admin address, the post-deploy checks work. */
export const realServerScenario: Scenario = {
  id: 2,
  title: "Real server (OPS-3)",
  timeoutMs: 120_000,
  async run(ctx: LabContext) {
    const figures: string[] = [];
    for (const host of ctx.topo.hosts) {
      const target = { ip: host.publicIp, key: ctx.key, from: ctx.topo.publicSide.admin, user: LAB_READONLY_USER };
      const app = host.node.roles.includes("app");
      const commands = ["uname -a", ...(app ? ["php -v"] : []), "top -bn1 | head -5", "df -h /"];
      for (const command of commands) {
        const r = ssh(target, command, { allowFail: true, timeoutMs: 30_000 });
        check(r.status === 0 && r.stdout.trim() !== "", `${host.name}: \`${command}\` as ${LAB_READONLY_USER} failed (exit ${r.status}): ${r.stderr.trim()}`);
        if (command === "uname -a") figures.push(`${host.name}: ${r.stdout.trim().split(" ").slice(0, 3).join(" ")}`);
        if (command === "php -v") figures.push(`${host.name}: ${r.stdout.split("\n")[0].split(" (")[0]}`);
      }
      // Least privilege (SEC-2): the readonly role has no sudo.
      const sudo = ssh(target, "sudo -n true", { allowFail: true, timeoutMs: 30_000 });
      check(sudo.status !== 0, `${host.name}: ${LAB_READONLY_USER} (readonly) can sudo`);
    }
    return `uname -a, php -v (app), top -bn1, df -h ran as ${LAB_READONLY_USER} on ${ctx.topo.hosts.length} hosts, sudo refused; ${figures.join("; ")}`;
  },
};
