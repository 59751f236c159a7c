import * as fs from "fs";
import * as path from "path";
import type { CutoverRecord } from "../../lib/cutover/record";
import { fetchShop } from "../../lib/cutover/watch";
import { withDnsTarget } from "../../lib/stackEdit";
import { labCutoverContext } from "../cutover";
import { sleep } from "../proc";
import { existingLabEdge } from "../standins/edge";
import { oldHostFile, sinkRecords } from "../standins/sink";
import { labSpec } from "../stackFile";
import { check, LabContext, Scenario } from "./context";
import { onCallCli } from "./oncallCli";

/** A customer's storefront requests during the flips: through the edge stand-in, with TLS. */
const LOAD_INTERVAL_MS = 100;

interface LoadTally {
  ok: number;
  failed: string[];
  fromNodes: number;
  fromOldHost: number;
}

function startLoad(ctx: LabContext): { stop: () => Promise<LoadTally> } {
  const edge = existingLabEdge(ctx.names, ctx.topo);
  const ca = fs.readFileSync(edge.caCert, "utf8");
  const nodes = new Set(ctx.topo.hosts.filter((h) => h.node.roles.includes("app")).map((h) => h.name));
  const tally: LoadTally = { ok: 0, failed: [], fromNodes: 0, fromOldHost: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const a = await fetchShop({ address: edge.address, port: 443, hostname: ctx.spec.primaryHost, path: "/", tls: true, ca, timeoutMs: 5000 });
        if (a.status !== 200) tally.failed.push(`${a.status} from ${a.servedBy ?? "the old host"}`);
        else {
          tally.ok++;
          if (a.servedBy && nodes.has(a.servedBy)) tally.fromNodes++;
          else tally.fromOldHost++;
        }
      } catch (err) {
        tally.failed.push(err instanceof Error ? err.message : String(err));
      }
      await sleep(LOAD_INTERVAL_MS);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return tally;
    },
  };
}

async function flip(ctx: LabContext, args: string[], label: string): Promise<CutoverRecord> {
  const report = path.join(ctx.names.runDir, `cutover-${label}.json`);
  const r = await onCallCli(ctx, "cutover", [...args, "--timeout", "60", "--report", report], 180_000);
  ctx.log(`${label}: ${r.stdout.trim().split("\n").slice(-6).join(" | ")}`);
  check(r.status === 0 && fs.existsSync(report), `npm run cutover ${args.join(" ")} exited ${r.status}: ${(r.stdout + r.stderr).trim().split("\n").slice(-5).join(" | ")}`);
  return JSON.parse(fs.readFileSync(report, "utf8")) as CutoverRecord;
}

const targetOf = (ctx: LabContext) => labSpec(ctx.stackFile, ctx.names.stack).dns.target;
const perResolver = (r: CutoverRecord) => r.perResolver.map((p) => `${p.resolver} ${p.switchedAfter?.toFixed(1)} s`).join(", ");

/**
 * 33. OPS-4: a migration's DNS switch, measured. The lab's stack starts on the old host (a
 * stand-in of the previous hoster's server on the public side, behind the Cloudflare edge
 * stand-in); `npm run cutover -- --lab` checks that the LB serves the shop, flips
 * shop:dns.target to lb, applies it to the Cloudflare stand-ins and watches the resolver
 * stand-ins (dnsmasq) and TLS at the edge until every answer comes from an app node; then
 * `--rollback` and a second cutover, with a customer's requests running all along.
 */
export const cutoverScenario: Scenario = {
  id: 33,
  title: "DNS cutover and rollback under load, measured (OPS-4)",
  timeoutMs: 480_000,
  async run(ctx: LabContext) {
    check(targetOf(ctx) === "lb", `the lab's stack points at ${targetOf(ctx)}, not lb`);
    const oldHost = ctx.topo.publicSide.oldHost;
    const lab = labCutoverContext(ctx.names.stack);
    const setTarget = async (target: string) => {
      fs.writeFileSync(ctx.stackFile, withDnsTarget(fs.readFileSync(ctx.stackFile, "utf8"), target));
      await lab.apply();
    };
    // Before the migration: the names lead to the old host, as an operator's first stack declares it.
    await setTarget(oldHost);
    try {
      for (const resolver of lab.resolvers) {
        const p = await lab.probe(resolver);
        check(p.answer?.status === 200 && p.answer.servedBy === null, `before the cutover, ${resolver} leads to ${p.address} → ${p.answer?.status} from ${p.answer?.servedBy ?? p.error}, not the old host`);
      }
      const load = startLoad(ctx);
      let records: CutoverRecord[];
      let tally: LoadTally;
      try {
        await sleep(1000);
        const cut = await flip(ctx, [], "cutover");
        check(targetOf(ctx) === "lb", `after the cutover the stack file says ${targetOf(ctx)}`);
        const oldRequestsBefore = sinkRecords(ctx.names, oldHostFile(ctx.names)).length;
        await sleep(2000);
        const oldRequestsAfter = sinkRecords(ctx.names, oldHostFile(ctx.names)).length;
        check(oldRequestsAfter === oldRequestsBefore, `the old host still got ${oldRequestsAfter - oldRequestsBefore} requests 2 s after the switch`);
        const back = await flip(ctx, ["--rollback"], "rollback");
        check(targetOf(ctx) === oldHost && back.to === oldHost, `the rollback went to ${targetOf(ctx)}, not the old host ${oldHost} the cutover came from`);
        const again = await flip(ctx, [], "cutover-again");
        records = [cut, back, again];
        await sleep(1000);
      } finally {
        tally = await load.stop();
      }
      check(tally.failed.length === 0, `${tally.failed.length} of ${tally.ok + tally.failed.length} customer requests failed during the flips: ${[...new Set(tally.failed)].slice(0, 3).join("; ")}`);
      check(tally.fromNodes > 0 && tally.fromOldHost > 0, `the customer's requests did not see both origins (${tally.fromNodes} from app nodes, ${tally.fromOldHost} from the old host)`);
      const [cut, back, again] = records;
      return (
        `switch after the flip: cutover ${cut.switchedAfter!.toFixed(1)} s (apply ${cut.applySeconds.toFixed(1)} s; per resolver ${perResolver(cut)}), ` +
        `rollback ${back.switchedAfter!.toFixed(1)} s, cutover again ${again.switchedAfter!.toFixed(1)} s; last old answer of the first cutover: ${cut.lastOld ? `${cut.lastOld.resolver} at +${cut.lastOld.t.toFixed(1)} s` : "none"}; ` +
        `customer requests through the edge: ${tally.ok} ok (${tally.fromOldHost} old host, ${tally.fromNodes} app nodes), ${tally.failed.length} failed`
      );
    } finally {
      if (targetOf(ctx) !== "lb") await setTarget("lb");
      ctx.spec = labSpec(ctx.stackFile, ctx.names.stack);
    }
  },
};
