import { appNodes } from "../../../components/config";
import { changeStackAndConverge } from "../day2";
import { check, inHostOk, LabContext, Scenario, shopRequest } from "./context";

/** Next value of a "NNNM" setting: 256 MB more. */
function raiseMegabytes(value: string): string {
  return `${Number(value.replace(/M$/, "")) + 256}M`;
}

/**
 * 10. Day-2: a monitoring threshold and a PHP setting change in the stack; after converge both
 * are in effect (health.json on every host; PHP-FPM's effective value through the LB on every
 * app node) and no host rebooted.
 */
export const day2Scenario: Scenario = {
  id: 10,
  title: "Day-2",
  timeoutMs: 300_000,
  async run(ctx: LabContext) {
    const load15 = ctx.spec.monitoring.thresholds.load15PerCore + 1;
    const memoryLimit = raiseMegabytes(ctx.spec.php.memoryLimit);
    const { seconds, rebooted } = await changeStackAndConverge(ctx, "day2", (config) => {
      const monitoring = (config["shop:monitoring"] ??= {}) as Record<string, unknown>;
      monitoring.thresholds = { ...((monitoring.thresholds as object) ?? {}), load15PerCore: load15 };
      config["shop:php"] = { ...((config["shop:php"] as object) ?? {}), memoryLimit };
    });
    check(ctx.spec.monitoring.thresholds.load15PerCore === load15 && ctx.spec.php.memoryLimit === memoryLimit, "the changed stack did not parse to the new values");

    for (const host of ctx.topo.hosts) {
      const health = JSON.parse(inHostOk(ctx, host.name, ["cat", "/etc/shop/health.json"]).stdout) as { thresholds: { load15PerCore: number } };
      check(health.thresholds.load15PerCore === load15, `${host.name}: health.json has load15PerCore ${health.thresholds.load15PerCore}, not ${load15}`);
    }
    const apps = appNodes(ctx.spec).map((n) => n.name);
    const seen = new Map<string, string>();
    for (let i = 0; i < 10 && seen.size < apps.length; i++) {
      const r = await shopRequest(ctx, "/lab/ini?name=memory_limit");
      check(r.status === 200, `GET /lab/ini through the LB: HTTP ${r.status}`);
      seen.set(String(r.headers["x-served-by"]), (JSON.parse(r.body) as { value: string }).value);
    }
    for (const app of apps) check(seen.get(app) === memoryLimit, `${app}: PHP-FPM's memory_limit is ${seen.get(app) ?? "not seen"}, not ${memoryLimit}`);
    check(!rebooted.length, `hosts rebooted during the change: ${rebooted.join(", ")}`);
    return `load15PerCore → ${load15} in health.json on ${ctx.topo.hosts.length} hosts, memory_limit → ${memoryLimit} live in PHP-FPM on ${apps.join(", ")}; converge ${seconds.toFixed(1)} s; 0 reboots`;
  },
};
