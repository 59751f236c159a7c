import type { StatusReport } from "../../lib/oncall/status";
import { check, inHostOk, LabContext, Scenario } from "./context";
import { onCallCli } from "./oncallCli";

async function status(ctx: LabContext): Promise<{ exit: number; report: StatusReport; seconds: number }> {
  const r = await onCallCli(ctx, "status", ["--json"]);
  let report: StatusReport;
  try {
    report = JSON.parse(r.stdout) as StatusReport;
  } catch {
    throw new Error(`status --json printed no report (exit ${r.status}): ${(r.stdout + r.stderr).trim().split("\n").slice(-4).join(" | ")}`);
  }
  return { exit: r.status, report, seconds: r.seconds };
}

const findings = (r: StatusReport) => [...r.shop.problems.map((p) => `shop: ${p.what}`), ...r.hosts.flatMap((h) => h.problems.filter((p) => p.level === "red").map((p) => `${h.host}: ${p.what}`))];

/**
 * 31. On call, one screen: `npm run status -- --lab` as the readonly user. Green on the running
 * lab; a stopped scheduler turns it red with exit status 1 on the next run; green again after.
 */
export const statusScenario: Scenario = {
  id: 31,
  title: "On-call status: npm run status (OPS-1, HW-3)",
  timeoutMs: 240_000,
  async run(ctx: LabContext) {
    const scheduler = ctx.topo.hosts.find((h) => h.node.scheduler);
    check(Boolean(scheduler), "the stack has no scheduler node");
    const green = await status(ctx);
    check(green.exit === 0 && green.report.level !== "red", `status is ${green.report.level} (exit ${green.exit}) on the running lab: ${findings(green.report).join("; ")}`);
    check(green.report.hosts.length === ctx.topo.hosts.length && green.report.hosts.every((h) => h.reachable), "status did not reach every host");
    check(green.report.shop.status === 200 && Boolean(green.report.shop.servedBy), `the shop's health check answered ${green.report.shop.status} ${green.report.shop.error ?? ""}`);
    const unit = "shop-scheduler.service";
    inHostOk(ctx, scheduler!.name, ["systemctl", "stop", unit]);
    let red;
    try {
      red = await status(ctx);
    } finally {
      inHostOk(ctx, scheduler!.name, ["systemctl", "start", unit]);
    }
    const named = findings(red.report).find((f) => f.startsWith(`${scheduler!.name}: `) && f.includes(unit));
    check(red.exit === 1 && red.report.level === "red" && Boolean(named), `with ${unit} stopped, status exited ${red.exit} (${red.report.level}): ${findings(red.report).join("; ")}`);
    const again = await status(ctx);
    check(again.exit === 0, `status stayed red after ${unit} was started: ${findings(again.report).join("; ")}`);
    const times = [green.seconds, red.seconds, again.seconds].sort((a, b) => a - b);
    return (
      `status over ${ctx.topo.hosts.length} hosts and the public health check: median ${times[1].toFixed(1)} s a run (3 runs); ` +
      `green (${green.report.level}, shop ${green.report.shop.status} from ${green.report.shop.servedBy}); ${unit} stopped → exit 1, red: "${named}"; started → exit 0`
    );
  },
};
