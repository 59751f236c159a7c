import { phpFpmUnit } from "../../../components/config";
import type { NodeSpec, ShopSpec } from "../../../components/config";
import { DeployTarget, firstError, RemoteResult, runRemote } from "./exec";
import { deployOrder, waitsForLb, neededKib, NodeStatus, parseStatus, remote, rollbackTarget, rolloutOrder } from "./steps";

export interface StepRecord {
  node: string;
  step: string;
  /** Epoch milliseconds, so a lab scenario can line steps up with what the LB saw. */
  startedAt: number;
  seconds: number;
  ok: boolean;
  detail: string;
}

export interface DeployReport {
  action: "deploy" | "rollback" | "maintenance";
  release: string;
  nodes: string[];
  ok: boolean;
  seconds: number;
  steps: StepRecord[];
  failure?: { node: string; step: string; detail: string };
  /** What each node serves afterwards. */
  after: Record<string, string>;
  summary: string;
  /** The storefront cache warm-up after a deploy or rollback. */
  warm?: { urls: number; failed: number; seconds: number; medianMs: number; line: string };
}

export interface DeployNode {
  node: NodeSpec;
  target: DeployTarget;
}

export interface RunContext {
  spec: ShopSpec;
  nodes: DeployNode[];
  log: (line: string) => void;
}

class StepFailed extends Error {
  constructor(
    readonly node: string,
    readonly step: string,
    detail: string,
  ) {
    super(detail);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs steps, prints each with its duration, and keeps the record. */
class Steps {
  readonly records: StepRecord[] = [];
  constructor(private readonly log: (line: string) => void) {}

  async run(node: string, step: string, fn: () => Promise<string>): Promise<string> {
    const startedAt = Date.now();
    try {
      const detail = await fn();
      this.record({ node, step, startedAt, ok: true, detail });
      return detail;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.record({ node, step, startedAt, ok: false, detail });
      throw err instanceof StepFailed ? err : new StepFailed(node, step, detail);
    }
  }

  private record(r: Omit<StepRecord, "seconds">): void {
    const rec = { ...r, seconds: (Date.now() - r.startedAt) / 1000 };
    this.records.push(rec);
    this.log(`${rec.node.padEnd(16)} ${rec.step.padEnd(22)} ${rec.ok ? "ok    " : "FAILED"} ${rec.seconds.toFixed(1).padStart(6)} s  ${rec.detail}`);
  }
}

async function must(target: DeployTarget, step: string, command: string, opts: { stdinFile?: string; timeoutMs?: number } = {}): Promise<RemoteResult> {
  const r = await runRemote(target, command, opts);
  if (r.status !== 0) throw new StepFailed(target.name, step, `${firstError(r)} (exit ${r.status})`);
  return r;
}

const lastLine = (r: RemoteResult) => r.stdout.trim().split("\n").pop() ?? "";

/** The health check through the node itself, retried until it answers 200 or the bound passes. */
async function probeHealthy(n: DeployNode, boundMs = 30_000): Promise<string> {
  const started = Date.now();
  let last = "";
  for (;;) {
    const r = await runRemote(n.target, remote.probe(n.node), { timeoutMs: 20_000 });
    last = r.status === 0 ? `HTTP ${r.stdout.trim()}` : firstError(r);
    if (r.status === 0 && r.stdout.trim() === "200") return `health check 200 after ${((Date.now() - started) / 1000).toFixed(1)} s`;
    if (Date.now() - started > boundMs) throw new StepFailed(n.node.name, "health check", `the health check through ${n.node.name} answered ${last} for ${boundMs / 1000} s`);
    await sleep(1000);
  }
}

/**
 * The steps a deploy and a rollback share on one node. The LB acts on a changed health check
 * within interval × retries + timeout (spec.loadBalancer.failoverSeconds).
 */
class NodeSteps {
  private readonly settleMs: number;
  constructor(
    ctx: RunContext,
    private readonly steps: Steps,
  ) {
    this.settleMs = ctx.spec.loadBalancer.failoverSeconds * 1000;
  }

  /** Drains the node; returns when it was drained, for waitUntilOut. */
  async drain(n: DeployNode): Promise<number> {
    const drainedAt = Date.now();
    await this.steps.run(n.node.name, "drain", async () => lastLine(await must(n.target, "drain", remote.drain)));
    return drainedAt;
  }

  /** What is left of the LB's window since the drain (work done meanwhile counts). */
  waitUntilOut(n: DeployNode, drainedAt: number): Promise<string> {
    return this.steps.run(n.node.name, "wait: LB takes it out", async () => {
      const left = this.settleMs - (Date.now() - drainedAt);
      if (left > 0) await sleep(left);
      return `${(this.settleMs / 1000).toFixed(0)} s since the drain (interval × retries + timeout)`;
    });
  }

  /** New code in PHP-FPM and in the workers this node runs. */
  async restartAfterSwitch(n: DeployNode): Promise<void> {
    await this.steps.run(n.node.name, "reload php-fpm", async () => (await must(n.target, "reload php-fpm", remote.reloadPhp(n.node)), `${phpFpmUnit(n.node)} reloaded`));
    await this.steps.run(n.node.name, "restart workers", async () => (await must(n.target, "restart workers", remote.restartWorkers(n.node)), n.node.scheduler ? "consumers and the scheduler" : "consumers"));
  }

  /** Healthy through the node itself, then undrained; waitBack waits until the LB sends it traffic again. */
  async backIntoRotation(n: DeployNode, waitBack: boolean): Promise<void> {
    await this.steps.run(n.node.name, "health check", () => probeHealthy(n));
    await this.steps.run(n.node.name, "undrain", async () => lastLine(await must(n.target, "undrain", remote.undrain)));
    if (waitBack) await this.steps.run(n.node.name, "wait: LB takes it back", async () => (await sleep(this.settleMs), `${(this.settleMs / 1000).toFixed(0)} s`));
  }
}

/** Status of every node, read before anything changes: who may deploy (sudo decides) and what each runs. */
async function readStatuses(ctx: RunContext, steps: Steps): Promise<Map<string, NodeStatus>> {
  const statuses = new Map<string, NodeStatus>();
  const problems: string[] = [];
  await Promise.all(
    ctx.nodes.map(async (n) => {
      const r = await runRemote(n.target, remote.preflight, { timeoutMs: 30_000 });
      if (r.status !== 0) problems.push(`${n.node.name}: ${firstError(r)} (the host refused: is this user in the stack's deploy role?)`);
      else statuses.set(n.node.name, parseStatus(r.stdout));
    }),
  );
  if (problems.length) {
    await steps.run("all nodes", "preflight", async () => {
      throw new Error(problems.sort().join("; "));
    });
  }
  return statuses;
}

function finish(ctx: RunContext, base: Omit<DeployReport, "summary" | "seconds">, started: number, summary: (seconds: number) => string): DeployReport {
  const seconds = (Date.now() - started) / 1000;
  const report = { ...base, seconds, summary: summary(seconds) };
  ctx.log(report.summary);
  return report;
}

async function currentReleases(ctx: RunContext): Promise<Record<string, string>> {
  const after: Record<string, string> = {};
  await Promise.all(
    ctx.nodes.map(async (n) => {
      const r = await runRemote(n.target, remote.status, { timeoutMs: 30_000 });
      after[n.node.name] = r.status === 0 ? parseStatus(r.stdout).current || "none" : `unknown (${firstError(r)})`;
    }),
  );
  return after;
}

export interface DeployOptions {
  release: string;
  tarball: string;
  releaseBytes: number;
  keep: number;
}

/**
 * The rolling deploy (SW-3): preflight on every node, then one node at a time, drained while it
 * switches; the deployment helper once, on the first node, before its switch. Stops at the first
 * failure: a node that failed before its switch is undrained on its old release; one that failed
 * after stays drained, so the LB keeps sending traffic only to nodes on a working release.
 */
export async function rollingDeploy(ctx: RunContext, opts: DeployOptions): Promise<DeployReport> {
  const started = Date.now();
  const steps = new Steps(ctx.log);
  let ordered = orderNodes(ctx);
  const nodeSteps = new NodeSteps(ctx, steps);
  const base = { action: "deploy" as const, release: opts.release, nodes: ordered.map((n) => n.node.name) };
  let statuses: Map<string, NodeStatus>;
  try {
    statuses = await readStatuses(ctx, steps);
    ordered = deployOrder(ordered, (name) => statuses.get(name)!.current);
    base.nodes = ordered.map((n) => n.node.name);
    await steps.run("all nodes", "preflight", async () => {
      const problems: string[] = [];
      for (const n of ordered) {
        const s = statuses.get(n.node.name)!;
        if (s.writable === false) problems.push(`${n.node.name}: releases/ is not writable for this user`);
        if (s.releases.includes(opts.release)) problems.push(`${n.node.name}: release ${opts.release} exists already; a release id is used once`);
        if (s.freeKib !== undefined && s.freeKib < neededKib(opts.releaseBytes))
          problems.push(`${n.node.name}: ${Math.floor(s.freeKib / 1024)} MiB free under releases/, the release needs ${Math.ceil(neededKib(opts.releaseBytes) / 1024)} MiB`);
      }
      if (problems.length) throw new Error(problems.join("; "));
      return `${ordered.length} nodes: ssh and sudo ok, room for ${(opts.releaseBytes / 1048576).toFixed(1)} MiB, current ${ordered.map((n) => `${n.node.name}=${statuses.get(n.node.name)!.current || "none"}`).join(", ")}`;
    });
  } catch (err) {
    const f = err as StepFailed;
    return finish(ctx, { ...base, ok: false, steps: steps.records, failure: { node: f.node, step: f.step, detail: f.message }, after: {} }, started, (s) =>
      `deploy ${opts.release}: stopped in preflight after ${s.toFixed(1)} s, no node was changed: ${f.message}`,
    );
  }

  for (const [i, n] of ordered.entries()) {
    const name = n.node.name;
    const serving = Boolean(statuses.get(name)!.current);
    let switched = false;
    try {
      const drainedAt = await nodeSteps.drain(n);
      await steps.run(name, "upload", async () => {
        const r = await runRemote(n.target, remote.upload(opts.release), { stdinFile: opts.tarball, timeoutMs: 1_800_000 });
        if (r.status !== 0) {
          await runRemote(n.target, remote.removeUpload(opts.release), { timeoutMs: 60_000 });
          throw new Error(`${firstError(r)} (exit ${r.status})`);
        }
        return `releases/${opts.release}`;
      });
      await steps.run(name, "prepare", async () => lastLine(await must(n.target, "prepare", remote.prepare(opts.release))));
      await steps.run(name, "warm cache", async () => lastLine(await must(n.target, "warm cache", remote.warmCache(n.node, opts.release), { timeoutMs: 900_000 })) || "cache warmed");
      if (serving) await nodeSteps.waitUntilOut(n, drainedAt);
      if (i === 0) {
        await steps.run(name, "deployment helper", async () => lastLine(await must(n.target, "deployment helper", remote.deploymentHelper(n.node, opts.release), { timeoutMs: 1_800_000 })) || "ran");
      }
      await steps.run(name, "switch current", async () => lastLine(await must(n.target, "switch current", remote.activate(opts.release))));
      switched = true;
      await nodeSteps.restartAfterSwitch(n);
      // A first deploy has no traffic to hand back: the next node is not serving either.
      await nodeSteps.backIntoRotation(n, waitsForLb(ordered, i, (m) => statuses.get(m)!.current));
    } catch (err) {
      const f = err as StepFailed;
      if (!switched) await runRemote(n.target, remote.undrain, { timeoutMs: 30_000 });
      const after = await currentReleases(ctx);
      const untouched = ordered.slice(i + 1).map((m) => m.node.name);
      return finish(ctx, { ...base, ok: false, steps: steps.records, failure: { node: f.node, step: f.step, detail: f.message }, after }, started, (s) =>
        `deploy ${opts.release}: FAILED on ${name} at "${f.step}" after ${s.toFixed(1)} s: ${f.message}. ` +
          (switched ? `${name} stays drained on ${opts.release}; ` : `${name} is undrained on ${after[name]}; `) +
          untouched.map((u) => `${u} still serves ${after[u]}; `).join("") +
          `undo with: npm run deploy -- --stack ${ctx.spec.stack} --rollback`,
      );
    }
  }
  for (const n of ordered) {
    await steps.run(n.node.name, "prune", async () => {
      const r = await runRemote(n.target, remote.prune(opts.keep), { timeoutMs: 300_000 });
      // Pruning is housekeeping: a failure is reported, the deploy stands.
      return r.status === 0 ? `kept ${opts.keep} (${r.stdout.trim().split("\n").filter(Boolean).length} pruned)` : `not pruned: ${firstError(r)}`;
    });
  }
  const after = await currentReleases(ctx);
  return finish(ctx, { ...base, ok: true, steps: steps.records, after }, started, (s) => `deploy ${opts.release}: ok on ${ordered.length} nodes (${base.nodes.join(", ")}) in ${s.toFixed(1)} s`);
}

function orderNodes(ctx: RunContext): DeployNode[] {
  const byName = new Map(ctx.nodes.map((n) => [n.node.name, n]));
  return rolloutOrder(ctx.spec).map((node) => byName.get(node.name)).filter((n): n is DeployNode => Boolean(n));
}

/** Every node back to one release, the same way a deploy goes: drained, switched, checked, undrained. */
export async function rollback(ctx: RunContext, to?: string): Promise<DeployReport> {
  const started = Date.now();
  const steps = new Steps(ctx.log);
  const ordered = orderNodes(ctx);
  const nodeSteps = new NodeSteps(ctx, steps);
  const nodes = ordered.map((n) => n.node.name);
  let target = to ?? "";
  let statuses: Map<string, NodeStatus>;
  try {
    statuses = await readStatuses(ctx, steps);
    target = await steps.run("all nodes", "preflight", async () => {
      const chosen = to ? { release: to } : rollbackTarget(ordered.map((n) => ({ node: n.node.name, status: statuses.get(n.node.name)! })));
      if ("problem" in chosen) throw new Error(chosen.problem);
      const missing = ordered.filter((n) => !statuses.get(n.node.name)!.releases.includes(chosen.release)).map((n) => n.node.name);
      if (missing.length) throw new Error(`release ${chosen.release} is not on ${missing.join(", ")} (pruned or never deployed there)`);
      return chosen.release;
    });
  } catch (err) {
    const f = err as StepFailed;
    return finish(ctx, { action: "rollback", release: target, nodes, ok: false, steps: steps.records, failure: { node: f.node, step: f.step, detail: f.message }, after: {} }, started, (s) =>
      `rollback: stopped in preflight after ${s.toFixed(1)} s, no node was changed: ${f.message}`,
    );
  }
  for (const n of ordered) {
    const name = n.node.name;
    const s = statuses.get(name)!;
    if (s.current === target && !s.drained) continue;
    try {
      if (s.current !== target) {
        const drainedAt = await nodeSteps.drain(n);
        if (!s.drained && s.current) await nodeSteps.waitUntilOut(n, drainedAt);
        await steps.run(name, "switch current", async () => lastLine(await must(n.target, "switch current", remote.activate(target))));
        await nodeSteps.restartAfterSwitch(n);
      }
      await nodeSteps.backIntoRotation(n, true);
    } catch (err) {
      const f = err as StepFailed;
      const after = await currentReleases(ctx);
      return finish(ctx, { action: "rollback", release: target, nodes, ok: false, steps: steps.records, failure: { node: f.node, step: f.step, detail: f.message }, after }, started, (sec) =>
        `rollback to ${target}: FAILED on ${name} at "${f.step}" after ${sec.toFixed(1)} s: ${f.message}; ${name} stays drained`,
      );
    }
  }
  const after = await currentReleases(ctx);
  return finish(ctx, { action: "rollback", release: target, nodes, ok: true, steps: steps.records, after }, started, (s) => `rollback to ${target}: ok on ${nodes.length} nodes (${nodes.join(", ")}) in ${s.toFixed(1)} s`);
}

/** Planned downtime on every node at once; each node is checked from itself (storefront 503 or not). */
export async function maintenance(ctx: RunContext, on: boolean): Promise<DeployReport> {
  const started = Date.now();
  const steps = new Steps(ctx.log);
  const nodes = orderNodes(ctx);
  const base = { action: "maintenance" as const, release: on ? "on" : "off", nodes: nodes.map((n) => n.node.name) };
  try {
    await Promise.all(
      nodes.map((n) =>
        steps.run(n.node.name, `maintenance ${on ? "on" : "off"}`, async () => {
          await must(n.target, "maintenance", remote.maintenance(on));
          const page = (await must(n.target, "maintenance", remote.storefrontStatus(ctx.spec, n.node))).stdout.trim();
          const health = (await must(n.target, "maintenance", remote.probe(n.node))).stdout.trim();
          if (on ? page !== "503" : page === "503") throw new Error(`the storefront on ${n.node.name} answers ${page} with maintenance ${on ? "on" : "off"}`);
          return `storefront ${page}, health check ${health}`;
        }),
      ),
    );
  } catch (err) {
    const f = err as StepFailed;
    return finish(ctx, { ...base, ok: false, steps: steps.records, failure: { node: f.node, step: f.step, detail: f.message }, after: {} }, started, (s) => `maintenance ${base.release}: FAILED on ${f.node} after ${s.toFixed(1)} s: ${f.message}`);
  }
  return finish(ctx, { ...base, ok: true, steps: steps.records, after: {} }, started, (s) => `maintenance ${base.release}: ${nodes.length} nodes in ${s.toFixed(1)} s`);
}
