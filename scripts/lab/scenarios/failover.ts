import { appNodes } from "../../../components/config";
import { sleep } from "../proc";
import { backendStates } from "../standins/haproxy";
import { check, inHostOk, LabContext, Scenario, shopRequest } from "./context";

/** Load: two clients in a loop for this long; the node's nginx stops this far in. */
const LOAD_MS = 36_000;
const STOP_AT_MS = 6_000;
const CLIENTS = 2;

interface Sample {
  at: number;
  ok: boolean;
  node: string;
}

/**
 * 4. HW-1, HW-2: with load running through the LB, one app node's nginx stops. Counts failed
 * requests, the time until the LB stops sending traffic to that node, and the failures after
 * that detection window (must be 0). nginx is started again and the node must come back.
 */
export const failoverScenario: Scenario = {
  id: 4,
  title: "Failover (HW-1, HW-2)",
  timeoutMs: 150_000,
  async run(ctx: LabContext) {
    const apps = appNodes(ctx.spec).map((n) => n.name);
    check(apps.length >= 2, "failover needs two app nodes");
    const victim = apps[apps.length - 1];
    const states = await backendStates(ctx.names);
    check(apps.every((a) => states[a] === "UP"), `not every app node is UP in the LB before the test: ${JSON.stringify(states)}`);

    const start = Date.now();
    const samples: Sample[] = [];
    const client = async () => {
      while (Date.now() - start < LOAD_MS) {
        const at = Date.now() - start;
        try {
          const r = await shopRequest(ctx, "/api/_info/health-check", { timeoutMs: 3000 });
          samples.push({ at, ok: r.status === 200, node: String(r.headers["x-served-by"] ?? "") });
        } catch {
          samples.push({ at, ok: false, node: "" });
        }
        await sleep(20);
      }
    };
    let stoppedAt = 0;
    let detectedAt = 0;
    const chaos = async () => {
      await sleep(STOP_AT_MS);
      inHostOk(ctx, victim, ["systemctl", "stop", "nginx.service"]);
      stoppedAt = Date.now() - start;
      while (Date.now() - start < LOAD_MS && !detectedAt) {
        if ((await backendStates(ctx.names))[victim]?.startsWith("DOWN")) detectedAt = Date.now() - start;
        else await sleep(100);
      }
    };
    try {
      await Promise.all([...Array.from({ length: CLIENTS }, client), chaos()]);
    } finally {
      inHostOk(ctx, victim, ["systemctl", "start", "nginx.service"]);
    }
    check(stoppedAt > 0, "nginx was never stopped");
    check(detectedAt > 0, `the LB still sent traffic to ${victim} ${((LOAD_MS - stoppedAt) / 1000).toFixed(0)} s after its nginx stopped`);

    const failed = samples.filter((s) => !s.ok);
    const failedAfter = failed.filter((s) => s.at > detectedAt);
    const hc = ctx.topo.loadBalancer.healthCheck;
    check(failedAfter.length === 0, `${failedAfter.length} requests failed after the LB took ${victim} out`);
    check(samples.filter((s) => s.at > detectedAt).length > 0, "no requests ran after detection");

    // The node must come back for the scenarios that follow.
    const back = Date.now();
    while (Date.now() - back < 30_000 && (await backendStates(ctx.names))[victim] !== "UP") await sleep(200);
    check((await backendStates(ctx.names))[victim] === "UP", `${victim} did not come back UP within 30 s after nginx started again`);

    return (
      `${samples.length} requests from ${CLIENTS} clients, ${failed.length} failed, all between the stop and detection; LB took ${victim} out ${((detectedAt - stoppedAt) / 1000).toFixed(1)} s ` +
      `after its nginx stopped (health check every ${hc.interval} s, ${hc.retries} retries, timeout ${hc.timeout} s); 0 failed after detection ` +
      `(${samples.filter((s) => s.at > detectedAt).length} requests); back UP ${((Date.now() - back) / 1000).toFixed(1)} s after nginx started`
    );
  },
};
