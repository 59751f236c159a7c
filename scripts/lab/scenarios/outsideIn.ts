import { sleep, waitFor } from "../proc";
import { existingLabEdge, pointHostAtEdge, EDGE_HOSTS_MARK } from "../standins/edge";
import { sinkRecords } from "../standins/sink";
import { alertTexts, waitForAlert } from "./alerts";
import { check, hostsWithRole, inHostOk, LabContext, Scenario } from "./context";

/** A minutely run on every host, plus delivery: the heartbeat stand-in must hear nothing for this long. */
const SILENCE_MS = 75_000;

/**
 * 13. HW-3 from outside, and the dead-man's switch. The shop's names stop resolving on every app
 * node (their /etc/hosts entry for the edge stand-in removed): the outside-in probes fail on
 * every node, but exactly one alert per probe and webhook arrives, naming DNS, and one resolved
 * after the fix. Then shop-health stops on every host, as when every host is gone: the heartbeat
 * stand-in hears no ping for a full minute, and pings resume once the timers run again.
 */
export const outsideInScenario: Scenario = {
  id: 13,
  title: "Outside-in alert once for all app nodes, and the dead-man's switch (HW-3)",
  timeoutMs: 480_000,
  async run(ctx: LabContext) {
    const apps = hostsWithRole(ctx, "app");
    const url = ctx.spec.appUrl;
    for (const app of apps) {
      const r = inHostOk(ctx, app, ["shop-health", "--only", "outside_in"]);
      check(r.status === 0, `outside-in is not ok on ${app} before the test: ${r.stdout.trim()}`);
    }
    // Right after `lab up` a node's timer may not have fired yet: wait for one finished minutely run on each.
    const started = new Date().toISOString();
    for (const app of apps)
      await waitFor(`a finished run of shop-health's timer on ${app}`, 90_000, () => / items, \d+ firing/.test(inHostOk(ctx, app, ["journalctl", "-u", "shop-health.service", "--since", started.replace("T", " ").slice(0, 19), "--no-pager", "-o", "cat"]).stdout), 2000);
    const edge = existingLabEdge(ctx.names, ctx.topo);
    // Firing: "<url> from <host>: <what failed>"; resolved: "<url> answers" (shop-health's outside-in summaries).
    const outsideIn = (state: string) => (text: string) => text.includes(`[${state}`) && text.includes(state === "RESOLVED" ? `${url}/ answers` : `${url}/ from `);

    const from = sinkRecords(ctx.names).length;
    for (const app of apps) inHostOk(ctx, app, ["sed", "-i", `/${EDGE_HOSTS_MARK}$/d`, "/etc/hosts"]);
    const broke = Date.now();
    let firing = 0;
    try {
      firing = await waitForAlert(ctx, from, "outside-in firing", (x) => outsideIn("CRITICAL")(x) && x.includes("DNS"));
    } catch (err) {
      // What the app nodes' own runs said meanwhile: the alert's absence has a cause there.
      const runs = apps.map((app) => `${app}: ${inHostOk(ctx, app, ["journalctl", "-u", "shop-health.service", "--since", "-4min", "--no-pager", "-o", "cat"]).stdout.trim().split("\n").slice(-6).join(" / ")}`);
      throw new Error(`${err instanceof Error ? err.message : String(err)}; shop-health on the app nodes: ${runs.join(" || ")}`);
    } finally {
      for (const app of apps) pointHostAtEdge(ctx.names, app, ctx.spec, edge);
    }
    const fixed = Date.now();
    const resolved = await waitForAlert(ctx, from, "outside-in resolved", outsideIn("RESOLVED"));
    await sleep(5000);
    const hooks = new Set(sinkRecords(ctx.names).slice(from).filter((r) => r.path?.startsWith("/hook/")).map((r) => r.path));
    const sent = alertTexts(ctx, from);
    const fired = sent.filter((a) => outsideIn("CRITICAL")(a.text)).map((a) => a.text);
    const back = sent.filter((a) => outsideIn("RESOLVED")(a.text));
    check(fired.length === hooks.size && back.length === hooks.size, `the shop probe's failure reached each of ${hooks.size} webhook(s) ${fired.length} time(s) firing and ${back.length} resolved (want 1 each): ${fired.join(" | ")}`);

    const pings = () => sinkRecords(ctx.names).filter((r) => r.path?.startsWith("/heartbeat/monitoring"));
    const lastMinute = pings().filter((r) => Date.now() - Date.parse(r.at) < 60_000).length;
    check(lastMinute >= ctx.topo.hosts.length, `the heartbeat stand-in got ${lastMinute} pings in the last minute from ${ctx.topo.hosts.length} hosts`);
    for (const h of ctx.topo.hosts) inHostOk(ctx, h.name, ["systemctl", "stop", "shop-health.timer", "shop-health.service"]);
    const stopped = Date.now();
    const before = pings().length;
    let restarted = 0;
    let silent: number;
    try {
      await sleep(SILENCE_MS);
      silent = pings().length - before;
    } finally {
      for (const h of ctx.topo.hosts) inHostOk(ctx, h.name, ["systemctl", "start", "shop-health.timer"]);
      restarted = Date.now();
    }
    check(silent === 0, `${silent} pings reached the heartbeat stand-in while shop-health was stopped everywhere`);
    const resumed = await waitFor("a heartbeat ping after the timers started again", 120_000, () => {
      const first = pings().slice(before).find((r) => Date.parse(r.at) >= restarted);
      return first && Date.parse(first.at);
    }, 1000);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    return (
      `names unresolvable on ${apps.join(", ")}: one outside-in alert per webhook after ${s(firing - broke)} ("${fired[0]?.slice(0, 120)}"), one resolved ${s(resolved - fixed)} after the fix; ` +
      `heartbeat: ${lastMinute} pings/min from ${ctx.topo.hosts.length} hosts, none in the ${s(restarted - stopped)} with shop-health stopped everywhere, the first again ${s(resumed - restarted)} after the restart`
    );
  },
};
