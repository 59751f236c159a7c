import * as path from "path";
import { dbPrimary, liveReplicas, shortNodeName } from "../../../components/config";
import { SHOP_DB_NAME } from "../../../components/hostconfig/shopware";
import { failover, rebuild } from "../../lib/failover/run";
import type { StatusReport } from "../../lib/oncall/status";
import { onCallCli } from "./oncallCli";
import { specFromText } from "../../lib/stackEdit";
import { adminTargetsOf } from "../deployTargets";
import { killCgroupTree } from "../cgroups";
import { containerPid, planMachine, restartMachine, waitForBoot } from "../hosts";
import { renderPlan } from "../plan";
import { sleep } from "../proc";
import { labSpec } from "../stackFile";
import { readTopology } from "../topology";
import { convergeAll, dataDiskHost } from "../up";
import { check, inHostOk, LabContext, Scenario, shopRequest } from "./context";

const CLIENTS = 2;
/** Writes run this long before the kill, and this long after the first write that succeeds again. */
const BEFORE_KILL_MS = 4_000;
const AFTER_RECOVERY_MS = 4_000;

interface Write {
  token: string;
  at: number;
  ok: boolean;
}

/**
 * 30. HW-1, OPS-4: the DB primary's container is killed under write load through the LB; the
 * on-call engineer runs nothing but `npm run failover`. Measured: kill → first successful write.
 * Checked: no acknowledged write is lost (semi-sync), the session made before the kill is the
 * same session after it, the next converge changes nothing on any host (the stack file holds the
 * new roles), and `--rebuild` brings the old primary back as a replica that replicates.
 */
export const dbFailoverScenario: Scenario = {
  id: 30,
  title: "Database failover under write load, then rebuild (HW-1, OPS-4)",
  timeoutMs: 600_000,
  async run(ctx: LabContext) {
    const old = dbPrimary(ctx.spec);
    const promoted = liveReplicas(ctx.spec)[0];
    check(Boolean(promoted), "the stack has no replica in service to promote");

    // Sessions survive only if the replica's Redis has followed the primary's all along.
    let link = "";
    for (let i = 0; i < 60 && link !== "up"; i++, await sleep(500))
      link = /master_link_status:(\w+)/.exec(inHostOk(ctx, promoted.name, ["bash", "-c", ". /etc/shop/secrets.env && REDISCLI_AUTH=$REDIS_PASSWORD redis-cli -p 6379 INFO replication"]).stdout)?.[1] ?? "";
    check(link === "up", `${promoted.name}'s sessions Redis does not replicate ${old.name}'s (master_link_status: ${link || "none"})`);

    const first = await shopRequest(ctx, "/lab/session");
    const cookie = String(first.headers["set-cookie"]?.[0] ?? "").split(";")[0];
    const session = JSON.parse(first.body) as { count: number; session: string };
    check(first.status === 200 && Boolean(cookie), `no session before the failover: ${first.status} ${first.body}`);
    await sleep(1500); // Redis replication is asynchronous: give it what a real visitor's next click gives it

    const start = Date.now();
    const writes: Write[] = [];
    let killedAt = 0;
    let recoveredAt = 0;
    let n = 0;
    const client = async (c: number) => {
      while (!recoveredAt || Date.now() - start < recoveredAt + AFTER_RECOVERY_MS) {
        if (Date.now() - start > 180_000) return;
        const token = `fo-${c}-${n++}`;
        const at = Date.now() - start;
        let ok = false;
        try {
          const r = await shopRequest(ctx, `/lab/write?token=${token}`, { method: "POST", timeoutMs: 5000 });
          ok = r.status === 200;
        } catch {
          ok = false;
        }
        writes.push({ token, at, ok });
        if (ok && killedAt && at > killedAt && !recoveredAt) recoveredAt = Date.now() - start;
        await sleep(ok ? 50 : 250);
      }
    };
    const chaos = async () => {
      await sleep(BEFORE_KILL_MS);
      // Every process of the host at once, as when a server dies: no shutdown, no goodbye to its replica.
      await killCgroupTree(ctx.names, old.name);
      killedAt = Date.now() - start;
      ctx.log(`killed ${old.name}'s container at ${(killedAt / 1000).toFixed(1)} s; running the failover`);
      const report = await failover({ stackFile: ctx.stackFile, targets: adminTargetsOf(ctx.topo, ctx.key), specOf: specFromText(ctx.names.stack), log: (l) => ctx.log(`failover: ${l}`) });
      check(report.ok, report.summary);
      return report;
    };
    const [report] = await Promise.all([chaos(), ...Array.from({ length: CLIENTS }, (_, c) => client(c))]);
    check(recoveredAt > 0, "no write succeeded after the failover");

    // No acknowledged write is lost: every token that got 200 is on the new primary.
    const acked = writes.filter((w) => w.ok).map((w) => w.token);
    const stored = new Set(
      inHostOk(ctx, promoted.name, ["mariadb", "--batch", "--skip-column-names", "-e", `SELECT token FROM ${SHOP_DB_NAME}.lab_standin WHERE token LIKE 'fo-%'`]).stdout.split("\n").filter(Boolean),
    );
    const lost = acked.filter((t) => !stored.has(t));
    check(lost.length === 0, `${lost.length} acknowledged write(s) are not on the new primary: ${lost.slice(0, 5).join(", ")}`);

    const after = await shopRequest(ctx, "/lab/session", { cookie });
    const resumed = JSON.parse(after.body) as { count: number; session: string };
    check(after.status === 200 && resumed.session === session.session && resumed.count === session.count + 1, `the session did not survive: before ${first.body.trim()}, after ${after.status} ${after.body.trim()}`);

    // The stack file now holds the roles: a converge of every reachable host changes nothing.
    const spec = labSpec(ctx.stackFile, ctx.names.stack);
    const topo = readTopology(spec, renderPlan(ctx.stackFile, path.join(ctx.names.runDir, "plan-failover")));
    const reachable = { ...topo, hosts: topo.hosts.filter((h) => h.name !== old.name) };
    const converged = await convergeAll(reachable, ctx.key, ctx.secrets, () => {});
    const changed = converged.filter((c) => !/shop-apply: no changes$/m.test(c.output));
    check(changed.length === 0, `the converge after the failover changed ${changed.map((c) => `${c.host}: ${c.output.split("\n").filter((l) => /changed|restart/.test(l)).join(" ")}`).join("; ")}`);
    ctx.spec = spec;
    ctx.topo = topo;

    // The old primary comes back (a reboot after the outage) and is rebuilt as the replica.
    const bootedAt = Date.now();
    const host = topo.hosts.find((h) => h.name === old.name)!;
    await restartMachine(ctx.names, planMachine(host, ctx.publicKey, host === dataDiskHost(topo)));
    await waitForBoot(ctx.names, old.name, bootedAt);
    check(Boolean(containerPid(ctx.names, old.name)), `${old.name} did not boot again`);
    const fenced = inHostOk(ctx, old.name, ["mariadb", "--batch", "--skip-column-names", "-e", "SELECT @@read_only"]).stdout.trim();
    // On call sees it: status judges the node by the stack file, not by its stale own files.
    // On call sees it: status judges the node by the stack file, not by its stale own files.
    const seen = await onCallCli(ctx, "status", ["--json"]);
    const oldStatus = (JSON.parse(seen.stdout) as StatusReport).hosts.find((h) => h.host === old.name);
    const statusSaw = oldStatus?.problems.filter((p) => p.level === "red").map((p) => p.what).join("; ") || "no red finding";
    const flagged = Boolean(oldStatus?.problems.some((p) => p.level === "red" && /^writable, but the stack file makes it out-of-service/.test(p.what)));
    check(flagged === (fenced === "0") && (seen.status === 1 || fenced === "1"), `status (exit ${seen.status}) on ${old.name}, which is ${fenced === "1" ? "read-only" : "writable"}: ${statusSaw}`);
    const rebuilt = await rebuild({ stackFile: ctx.stackFile, targets: adminTargetsOf(topo, ctx.key), specOf: specFromText(ctx.names.stack), log: (l) => ctx.log(`rebuild: ${l}`) }, shortNodeName(ctx.names.stack, old.name));
    check(rebuilt.ok, rebuilt.summary);
    const prepare = rebuilt.steps.find((st) => st.step === "prepare")?.detail ?? "";
    check(/fenced former primary/.test(prepare), `the rebuild's first step did not fence ${old.name}: ${prepare}`);
    const probe = await shopRequest(ctx, "/lab/write?token=fo-after-rebuild", { method: "POST" });
    check(probe.status === 200, `a write after the rebuild failed: ${probe.status} ${probe.body}`);
    let arrived = "";
    for (let i = 0; i < 50 && arrived !== "1"; i++, await sleep(200))
      arrived = inHostOk(ctx, old.name, ["mariadb", "--batch", "--skip-column-names", "-e", `SELECT COUNT(*) FROM ${SHOP_DB_NAME}.lab_standin WHERE token = 'fo-after-rebuild'`]).stdout.trim();
    check(arrived === "1", `a write on ${promoted.name} did not reach the rebuilt ${old.name}`);
    ctx.spec = labSpec(ctx.stackFile, ctx.names.stack);
    ctx.topo = readTopology(ctx.spec, renderPlan(ctx.stackFile, path.join(ctx.names.runDir, "plan-rebuilt")));

    const failed = writes.filter((w) => !w.ok).length;
    return (
      `killed ${old.name} under ${CLIENTS} writers; first successful write ${((recoveredAt - killedAt) / 1000).toFixed(1)} s after the kill ` +
      `(failover command ${report.seconds.toFixed(1)} s: ${report.steps.map((s) => `${s.step} ${s.seconds.toFixed(1)} s`).join(", ")}); ` +
      `${acked.length} writes acknowledged, 0 lost, ${failed} failed during the switch; session ${session.session.slice(0, 8)}… kept (count ${resumed.count}); ` +
      `converge afterwards changed nothing on ${converged.length} hosts; ${old.name} came back ${fenced === "1" ? "read-only" : "writable (unreachable at the failover, its own files still said primary; no app node points at it)"}, npm run status on it: ${statusSaw}, ` +
      `was fenced by the rebuild's first step and rebuilt in ${rebuilt.seconds.toFixed(1)} s, replicating`
    );
  },
};
