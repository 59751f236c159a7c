import { randomUUID } from "crypto";
import { sleep } from "../proc";
import { check, hostsWithRole, LabContext, Scenario, shopRequest } from "./context";

const REQUESTS = 12;

/** 3. HW-2: through the LB stand-in both app nodes serve, sessions are shared, writes and reads work. */
export const routingScenario: Scenario = {
  id: 3,
  title: "Routing (HW-2)",
  timeoutMs: 90_000,
  async run(ctx: LabContext) {
    const apps = hostsWithRole(ctx, "app");
    const servedBy: string[] = [];
    const counts: number[] = [];
    let cookie: string | undefined;
    for (let i = 0; i < REQUESTS; i++) {
      const r = await shopRequest(ctx, "/lab/session", { cookie });
      check(r.status === 200, `GET /lab/session through the LB: HTTP ${r.status}: ${r.body.trim()}`);
      cookie = cookie ?? String(r.headers["set-cookie"]?.[0] ?? "").split(";")[0];
      servedBy.push(String(r.headers["x-served-by"]));
      counts.push((JSON.parse(r.body) as { count: number }).count);
    }
    for (const app of apps) check(servedBy.includes(app), `${app} served none of ${REQUESTS} requests: ${servedBy.join(" ")}`);
    const switches = servedBy.slice(1).filter((s, i) => s !== servedBy[i]).length;
    check(switches >= REQUESTS / 2, `the serving node changed only ${switches} times in ${REQUESTS} requests: ${servedBy.join(" ")}`);
    check(counts.every((c, i) => c === i + 1), `the Redis session did not follow the client across nodes: counts ${counts.join(",")}`);

    const token = randomUUID();
    const write = await shopRequest(ctx, `/lab/write?token=${token}`, { method: "POST" });
    check(write.status === 200, `write through the LB: HTTP ${write.status}: ${write.body.trim()}`);
    let found = 0;
    for (let i = 0; i < 50 && !found; i++) {
      const read = await shopRequest(ctx, `/lab/read?token=${token}`);
      check(read.status === 200, `read through the LB: HTTP ${read.status}: ${read.body.trim()}`);
      found = (JSON.parse(read.body) as { found: number }).found;
      if (!found) await sleep(100);
    }
    check(found === 1, `the row written through the LB was not readable within 5 s`);

    let origin = "";
    if (ctx.spec.dns.cloudflareOnly) {
      const outside = await shopRequest(ctx, "/api/_info/health-check", { from: ctx.topo.publicSide.outside });
      check(outside.status === 403, `a non-Cloudflare client got HTTP ${outside.status} through the LB; the origin lock-down should refuse it`);
      origin = "; non-Cloudflare client refused (403)";
    }
    return `${REQUESTS} requests: ${apps.map((a) => `${a} ×${servedBy.filter((s) => s === a).length}`).join(", ")}, node switched ${switches} times; Redis session count 1→${REQUESTS} across nodes; write (primary) then read (replica) ok${origin}`;
  },
};
