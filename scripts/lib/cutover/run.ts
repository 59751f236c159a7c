import * as fs from "fs";
import { isIp, isPublicIp, ShopSpec } from "../../../components/config";
import { withDnsTarget } from "../stackEdit";
import { latestCutover, writeCutoverRecord, CutoverRecord } from "./record";
import { describeProbe, ProbeResult, Sample, ShopAnswer, SwitchSummary, watchSwitch } from "./watch";

/** What the precheck found at the destination before anything is changed. */
export interface PrecheckResult {
  ok: boolean;
  /** One line per hostname: what it answered there. */
  lines: string[];
}

/** How the cutover reaches the world: the stack file, the destination, the provider, the resolvers. */
export interface CutoverContext {
  stackFile: string;
  /** The spec a stack file's text describes (validated as `plan` validates it). */
  specOf: (stackYaml: string) => ShopSpec;
  /** Does `target` (lb, or the old host's address) serve every hostname of the shop? Changes nothing. */
  precheck: (target: string, isNewOrigin: (a: ShopAnswer) => boolean) => Promise<PrecheckResult>;
  /** Makes the provider's records follow the stack file (pulumi up; in the lab, the Cloudflare stand-ins). */
  apply: () => Promise<void>;
  /** Where the apply runs: printed with --review. */
  applyCommand: string;
  resolvers: string[];
  probe: (resolver: string) => Promise<ProbeResult>;
  /** out/<stack>/cutover: the records, the newest of which --rollback reads. */
  recordDir: string;
  watch: { intervalMs: number; timeoutMs: number; stable: number };
  log: (line: string) => void;
}

export interface CutoverOptions {
  rollback: boolean;
  /** --rollback's destination; default: where the newest successful cutover came from. */
  to?: string;
  /** Print the one-line change and stop (the stack file is under review). */
  review: boolean;
}

export class CutoverError extends Error {}

const VALID_TARGET = "lb, or a public IPv4/IPv6 address (not unspecified, loopback, private, link-local, multicast or reserved)";

/** Where the flip goes: lb for a cutover, the old host for a rollback; a string names what is wrong. */
export function cutoverDestination(spec: ShopSpec, opts: CutoverOptions, recordDir: string): { from: string; to: string } | string {
  const from = spec.dns.target;
  if (!opts.rollback) {
    if (opts.to !== undefined) return "--to goes with --rollback only: a cutover always goes to lb";
    if (from === "lb") return `shop:dns.target is already lb: nothing to cut over (to go back to the old host: --rollback --to ADDRESS)`;
    return { from, to: "lb" };
  }
  if (from !== "lb") return `shop:dns.target is ${from}, not lb: the shop already points at the old host`;
  const to = opts.to ?? latestCutover(recordDir, "lb")?.from;
  if (to === undefined) return `no earlier cutover is recorded in ${recordDir}: give the old host's address with --to ADDRESS`;
  if (!(isIp(to) && isPublicIp(to))) return `--to: found ${JSON.stringify(to)}; allowed: ${VALID_TARGET}`;
  return { from, to };
}

/** The new origin serves the shop when one of the stack's app nodes answers; the old host does not say X-Served-By one of them. */
export function originTest(spec: ShopSpec, to: string): (a: ShopAnswer) => boolean {
  const nodes = new Set(spec.nodes.filter((n) => n.roles.includes("app")).map((n) => n.name));
  return to === "lb" ? (a) => a.status > 0 && a.status < 500 && a.servedBy !== null && nodes.has(a.servedBy) : (a) => a.status > 0 && a.status < 500 && (a.servedBy === null || !nodes.has(a.servedBy));
}

export interface CutoverReport {
  ok: boolean;
  record?: CutoverRecord;
  summary: string;
}

const secs = (n: number) => `${n.toFixed(1)} s`;

/**
 * Cutover (OPS-4): checks that the destination serves the shop, flips `shop:dns.target` in the
 * stack file, applies it, and watches every resolver until every answer comes from the
 * destination. A precheck that fails changes nothing. The record (out/<stack>/cutover/) is what
 * --rollback and the audit read.
 */
export async function cutover(ctx: CutoverContext, opts: CutoverOptions): Promise<CutoverReport> {
  const text = fs.readFileSync(ctx.stackFile, "utf8");
  const spec = ctx.specOf(text);
  const dest = cutoverDestination(spec, opts, ctx.recordDir);
  if (typeof dest === "string") throw new CutoverError(dest);
  const arrived = originTest(spec, dest.to);
  const change = `shop:dns.target: ${dest.from} → ${dest.to}`;
  ctx.log(`${opts.rollback ? "rollback" : "cutover"} of ${spec.stack}: ${change} (${spec.hostnames.join(", ")})`);

  const pre = await ctx.precheck(dest.to, arrived);
  for (const line of pre.lines) ctx.log(`precheck: ${line}`);
  if (!pre.ok) throw new CutoverError(`${dest.to} does not serve the shop (precheck above); the stack file is unchanged`);

  const changed = withDnsTarget(text, dest.to);
  ctx.specOf(changed);
  if (opts.review) {
    ctx.log(`review: in ${ctx.stackFile} set the one line\n  shop:dns:\n    target: ${dest.to}\nthen run ${ctx.applyCommand}, and watch with this command again without --review once it is applied`);
    return { ok: true, summary: `review: ${change}; nothing was changed` };
  }

  const tmp = `${ctx.stackFile}.cutover-tmp`;
  fs.writeFileSync(tmp, changed);
  fs.renameSync(tmp, ctx.stackFile);
  ctx.log(`stack file: ${change}`);

  const flipStarted = Date.now();
  let appliedAt = 0;
  const watching = watchSwitch({
    resolvers: ctx.resolvers,
    probe: ctx.probe,
    arrived,
    since: flipStarted,
    deadline: () => (appliedAt ? appliedAt + ctx.watch.timeoutMs : Infinity),
    intervalMs: ctx.watch.intervalMs,
    stable: ctx.watch.stable,
    onChange: (s: Sample) => ctx.log(`watch: ${s.resolver} at +${secs(s.t)}: ${s.arrived ? "new" : "old"}: ${describeProbe(s)}`),
  });
  let applyError: string | undefined;
  try {
    await ctx.apply();
  } catch (err) {
    applyError = err instanceof Error ? err.message : String(err);
  }
  appliedAt = Date.now();
  const applySeconds = (appliedAt - flipStarted) / 1000;
  ctx.log(applyError ? `apply failed after ${secs(applySeconds)}: ${applyError}` : `apply: ${ctx.applyCommand} in ${secs(applySeconds)}`);
  const { summary } = await watching;
  const ok = !applyError && summary.done;
  const record: CutoverRecord = {
    stack: spec.stack,
    at: new Date(flipStarted).toISOString(),
    from: dest.from,
    to: dest.to,
    ok,
    applySeconds,
    switchedAfter: summary.switchedAfter,
    perResolver: summary.perResolver,
    lastOld: summary.lastOld,
    ...(applyError ? { applyError } : {}),
  };
  const file = writeCutoverRecord(ctx.recordDir, record);
  return { ok, record, summary: [...summaryLines(record, summary, opts), `record: ${file}`].join("\n") };
}

function summaryLines(r: CutoverRecord, s: SwitchSummary, opts: CutoverOptions): string[] {
  const what = opts.rollback ? "rollback" : "cutover";
  const back = opts.rollback ? `npm run cutover -- --stack ${r.stack}` : `npm run cutover -- --stack ${r.stack} --rollback`;
  return [
    r.ok
      ? `${what} done: every answer through ${s.perResolver.length} resolvers comes from ${r.to} ${secs(r.switchedAfter!)} after the flip (the apply took ${secs(r.applySeconds)}; ${secs(Math.max(0, r.switchedAfter! - r.applySeconds))} after it)`
      : `${what} NOT done: ${r.applyError ? `the apply failed (${r.applyError})` : `not every resolver answered from ${r.to} within the watch`}; the stack file says ${r.to}; to go back: ${back}`,
    ...s.perResolver.map((p) => `  ${p.resolver}: ${p.switchedAfter === null ? "not switched" : `switched after ${secs(p.switchedAfter)}`} (${p.samples} polls)`),
    s.lastOld ? `last old answer: ${s.lastOld.resolver} at +${secs(s.lastOld.t)}: ${s.lastOld.what}` : "no old answer was seen",
  ];
}
