import { dbPrimary } from "../../../components/config";
import { SHOP_DB_NAME } from "../../../components/hostconfig/shopware";
import { waitFor } from "../proc";
import { sinkRecords } from "../standins/sink";
import { waitForAlert } from "./alerts";
import { appWorkers, check, inHostOk, LabContext, Scenario } from "./context";

const MESSAGES = 1000;

/**
 * 12. HW-3, the application's own health (issue 17 item 4): on the running shop, the consumers
 * are stopped on every app node and 1000 messages are queued; the scheduler is stopped. The DB
 * primary's minutely shop-health alerts the backlog and the overdue scheduled task through the
 * webhooks; with consumers and scheduler started again the queue drains and both resolve. The
 * stand-in's consumers and scheduler work on Shopware's own tables (messenger_messages,
 * scheduled_task), which the stand-in's deployment helper created.
 */
export const appHealthScenario: Scenario = {
  id: 12,
  title: "Application health: queue backlog and overdue scheduled tasks alert and resolve (HW-3)",
  timeoutMs: 480_000,
  async run(ctx: LabContext) {
    const primary = dbPrimary(ctx.spec).name;
    const scheduler = ctx.topo.hosts.find((h) => h.node.scheduler)?.name;
    check(Boolean(scheduler), "the stack has no scheduler node");
    const consumers = appWorkers(ctx).map((w) => ({ host: w.host, units: w.units.filter((u) => u.startsWith("shop-consumer@")) })).filter((c) => c.units.length);
    const apps = consumers.map((c) => c.host);
    const sql = (query: string) => inHostOk(ctx, primary, ["mariadb", "-N", "-B", SHOP_DB_NAME, "-e", query]).stdout.trim();
    const report = () => inHostOk(ctx, primary, ["shop-health", "--only", "shopware"]);
    const before = report();
    check(before.status === 0, `shop-health on ${primary} is not ok before the test: ${before.stdout.trim()}`);
    const task = sql("SELECT name, run_interval FROM scheduled_task ORDER BY run_interval LIMIT 1").split("\t");
    check(task.length === 2, "the stand-in's deployment helper registered no scheduled task");
    const missed = ctx.spec.monitoring.thresholds.scheduledTaskMissedRuns;

    const queueMatch = (state: string) => (text: string) => text.includes(`[${state}`) && text.includes(primary) && text.includes("Shopware queue");
    const taskMatch = (state: string) => (text: string) => text.includes(`[${state}`) && text.includes(primary) && text.includes("scheduled task");

    let from = sinkRecords(ctx.names).length;
    for (const c of consumers) inHostOk(ctx, c.host, ["systemctl", "stop", ...c.units]);
    inHostOk(ctx, scheduler!, ["systemctl", "stop", "shop-scheduler.service"]);
    const broke = Date.now();
    let queueFiring = 0;
    let taskFiring = 0;
    let drainedAfter = 0;
    try {
      sql(`INSERT INTO messenger_messages (body, headers, queue_name, created_at, available_at) SELECT 'lab', '[]', 'default', UTC_TIMESTAMP(), UTC_TIMESTAMP() FROM seq_1_to_${MESSAGES}`);
      [queueFiring, taskFiring] = await Promise.all([
        waitForAlert(ctx, from, "queue backlog", (x) => queueMatch("WARNING")(x) || queueMatch("CRITICAL")(x)),
        // The task falls `missed` intervals behind first; the wait covers that plus one minutely run.
        waitForAlert(ctx, from, `scheduled task ${task[0]} overdue`, taskMatch("CRITICAL")),
      ]);
    } finally {
      from = sinkRecords(ctx.names).length;
      for (const c of consumers) inHostOk(ctx, c.host, ["systemctl", "start", ...c.units]);
      inHostOk(ctx, scheduler!, ["systemctl", "start", "shop-scheduler.service"]);
    }
    const fixed = Date.now();
    await waitFor("the queue to drain after the consumers started", 120_000, () => Number(sql("SELECT COUNT(*) FROM messenger_messages")) === 0);
    drainedAfter = Date.now() - fixed;
    const [queueResolved, taskResolved] = await Promise.all([waitForAlert(ctx, from, "queue resolved", queueMatch("RESOLVED")), waitForAlert(ctx, from, "scheduled task resolved", taskMatch("RESOLVED"))]);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    return (
      `consumers stopped on ${apps.join(", ")} and ${MESSAGES} messages queued: alert after ${s(queueFiring - broke)}; ` +
      `shop-scheduler stopped on ${scheduler}: ${task[0]} (every ${task[1]} s) alerted as overdue by ${missed} runs after ${s(taskFiring - broke)}; ` +
      `started again: the queue drained in ${s(drainedAfter)}, resolved after ${s(queueResolved - fixed)} (queue) and ${s(taskResolved - fixed)} (task)`
    );
  },
};
