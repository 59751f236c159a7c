import { changeStackAndConverge } from "../day2";
import { ssh } from "../ssh";
import { LAB_USERS } from "../stackFile";
import { check, inHostOk, LabContext, Scenario } from "./context";

const ADDED = "lab-added";

interface UserEntry {
  name: string;
  role: string;
  sshKeys: string[];
}

/**
 * 7. SEC-2, SEC-3: a user added to the stack logs in after converge; a removed user is locked
 * and has no keys; no host rebooted or was re-created (PID 1 and its start time unchanged).
 */
export const usersScenario: Scenario = {
  id: 7,
  title: "Users (SEC-2, SEC-3)",
  timeoutMs: 300_000,
  async run(ctx: LabContext) {
    const users = ctx.spec.users.filter((u) => !LAB_USERS.includes(u.name));
    check(users.length > 0, "the stack declares no user that could be removed");
    const removed = users[users.length - 1].name;
    const { seconds, rebooted } = await changeStackAndConverge(ctx, "users", (config) => {
      const list = (config["shop:users"] as UserEntry[]).filter((u) => u.name !== removed);
      config["shop:users"] = [...list, { name: ADDED, role: "deploy", sshKeys: [ctx.publicKey] }];
    });

    const keysDir = JSON.parse(inHostOk(ctx, ctx.topo.hosts[0].name, ["cat", "/etc/shop/users.json"]).stdout).authorizedKeysDir as string;
    for (const host of ctx.topo.hosts) {
      const login = ssh({ ip: host.publicIp, key: ctx.key, from: ctx.topo.publicSide.admin, user: ADDED }, "id -un", { allowFail: true, timeoutMs: 30_000 });
      check(login.status === 0 && login.stdout.trim() === ADDED, `${host.name}: the added user ${ADDED} cannot log in: ${login.stderr.trim()}`);
      const status = inHostOk(ctx, host.name, ["passwd", "-S", removed]).stdout.split(" ")[1];
      check(status === "L", `${host.name}: the removed user ${removed} has password status ${status}, not L (locked)`);
      const keys = inHostOk(ctx, host.name, ["bash", "-c", `cat ${keysDir}/${removed} ~${removed}/.ssh/authorized_keys 2>/dev/null | grep -c . || true`]).stdout.trim();
      check(keys === "0", `${host.name}: the removed user ${removed} still has ${keys} key(s)`);
    }
    check(!rebooted.length, `hosts rebooted or re-created during the change: ${rebooted.join(", ")}`);
    return `converge of ${ctx.topo.hosts.length} hosts in ${seconds.toFixed(1)} s: ${ADDED} logs in everywhere; ${removed} locked (L) with 0 keys; 0 reboots, 0 re-creations`;
  },
};
