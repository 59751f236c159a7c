import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { appNodes, dbPrimary, liveReplicas, NodeSpec, shortNodeName, ShopSpec } from "../../../components/config";
import { SHOP_APPLY_PATH } from "../../../components/hostconfig/base";
import { renderHostBundle, selfContainedBundle } from "../../../components/hostconfig/bundle";
import { RESEED_TOOL } from "../../../components/hostconfig/mariadb";
import { DeployTarget, firstError, RemoteResult, runRemote } from "../deploy/exec";
import { withDatabaseRoles } from "../stackEdit";

/** How the failover reaches the stack: an admin's SSH to every node, and its stack file. */
export interface FailoverContext {
  stackFile: string;
  /** Every node by its full name, as an admin-role user (the hooks and shop-apply need root). */
  targets: Map<string, DeployTarget>;
  /** The spec a stack file's text describes (validated as `plan` validates it). */
  specOf: (stackYaml: string) => ShopSpec;
  log: (line: string) => void;
}

export interface FailoverStep {
  step: string;
  node: string;
  seconds: number;
  ok: boolean;
  detail: string;
}

export interface FailoverReport {
  ok: boolean;
  steps: FailoverStep[];
  summary: string;
  seconds: number;
}

/** A former primary that answers SSH within this is fenced; one that does not is treated as gone. */
const REACH_TIMEOUT_MS = 8_000;
const GTID_LIST = /^([0-9]+-[0-9]+-[0-9]+(,[0-9]+-[0-9]+-[0-9]+)*)?$/;

export class FailoverError extends Error {}

const shortName = (spec: ShopSpec, node: NodeSpec) => shortNodeName(spec.stack, node.name);
const shortNamesOutOfService = (spec: ShopSpec) => spec.database.outOfService.map((n) => shortNodeName(spec.stack, n));

function nodeByShortName(spec: ShopSpec, short: string): NodeSpec | undefined {
  return spec.nodes.find((n) => shortName(spec, n) === short);
}

class Run {
  readonly steps: FailoverStep[] = [];
  private readonly started = Date.now();
  constructor(private readonly ctx: FailoverContext) {}

  target(node: NodeSpec): DeployTarget {
    const t = this.ctx.targets.get(node.name);
    if (!t) throw new FailoverError(`no address for ${node.name}`);
    return t;
  }

  /** Runs one step, prints it with its duration, and stops the run when it throws. */
  async step<T>(step: string, node: string, fn: () => Promise<{ value: T; detail: string }>): Promise<T> {
    const t0 = Date.now();
    try {
      const { value, detail } = await fn();
      this.record(step, node, t0, true, detail);
      return value;
    } catch (err) {
      this.record(step, node, t0, false, (err as Error).message);
      throw new FailoverError(`${step} on ${node} failed: ${(err as Error).message}`);
    }
  }

  private record(step: string, node: string, t0: number, ok: boolean, detail: string): void {
    const seconds = (Date.now() - t0) / 1000;
    this.steps.push({ step, node, seconds, ok, detail });
    this.ctx.log(`${ok ? "ok  " : "FAIL"} ${step.padEnd(10)} ${node.padEnd(18)} ${seconds.toFixed(1).padStart(6)} s  ${detail}`);
  }

  report(ok: boolean, summary: string): FailoverReport {
    const seconds = (Date.now() - this.started) / 1000;
    this.ctx.log(summary);
    return { ok, steps: this.steps, summary, seconds };
  }

  async remote(node: NodeSpec, command: string, timeoutMs = 60_000): Promise<RemoteResult> {
    return runRemote(this.target(node), command, { timeoutMs });
  }

  async sql(node: NodeSpec, query: string): Promise<string> {
    const r = await this.remote(node, `sudo mariadb --batch --skip-column-names -e "${query}"`);
    if (r.status !== 0) throw new Error(firstError(r));
    return r.stdout.trim();
  }

  /** Installs the node's bundle as `spec` renders it with the host's own shop-apply and secrets. */
  async apply(spec: ShopSpec, node: NodeSpec): Promise<string> {
    // The node as `spec` sees it: its roles are what changes.
    const rendered = spec.nodes.find((n) => n.name === node.name);
    if (!rendered) throw new Error(`the stack has no node ${node.name}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-failover-"));
    const file = path.join(dir, "bundle.json");
    try {
      fs.writeFileSync(file, selfContainedBundle(renderHostBundle(spec, rendered)));
      const r = await runRemote(this.target(node), `f=$(mktemp) && cat >"$f" && sudo ${SHOP_APPLY_PATH} "$f"; rc=$?; rm -f "$f"; exit $rc`, { stdinFile: file, timeoutMs: 300_000 });
      if (r.status !== 0) throw new Error(`shop-apply: ${r.stdout.trim().split("\n").filter((l) => /ERROR|failed/.test(l))[0] ?? firstError(r)}`);
      return r.stdout;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  writeStack(text: string): void {
    const tmp = `${this.ctx.stackFile}.failover-tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, this.ctx.stackFile);
  }
}

/** The last lines shop-apply's hooks printed about the database's and Redis's roles. */
function roleLines(applyOutput: string): string {
  const lines = applyOutput.split("\n").filter((l) => /promoted|fenced|replication|Redis|changed/.test(l));
  return lines.map((l) => l.replace(/^\S+ shop-apply: /, "")).join("; ");
}

/**
 * Promotes a replica (D6: run by a human, never automatic). Fences the old primary when it
 * answers (its own bundle as the new stack renders it: read-only, closed to the app nodes, its
 * Redis following the new one) and waits until the replica has everything it wrote; promotes
 * the replica by installing its new bundle (the bootstrap hook applies the relay log and stops
 * replicating; Redis stops following); records the roles in the stack file; points every app
 * node, its consumers and the scheduler at the new primary the same way.
 */
export async function failover(ctx: FailoverContext, to?: string): Promise<FailoverReport> {
  const run = new Run(ctx);
  const text = fs.readFileSync(ctx.stackFile, "utf8");
  const spec = ctx.specOf(text);
  const old = dbPrimary(spec);
  const candidates = liveReplicas(spec);
  const promoted = to === undefined ? candidates[0] : candidates.find((n) => shortName(spec, n) === to);
  if (!promoted)
    throw new FailoverError(
      to === undefined
        ? `no replica in service to promote (shop:database.outOfService: ${spec.database.outOfService.join(", ") || "none"}); rebuild one first with --rebuild`
        : `--to: found ${JSON.stringify(to)}; allowed: a replica in service (${candidates.map((n) => shortName(spec, n)).join(", ") || "none"})`,
    );
  const outOfService = [...shortNamesOutOfService(spec), shortName(spec, old)];
  const newText = withDatabaseRoles(text, { primary: shortName(spec, promoted), outOfService });
  const next = ctx.specOf(newText);
  try {
    const reachable = await run.step("reach", old.name, async () => {
      const r = await run.remote(old, "true", REACH_TIMEOUT_MS);
      return { value: r.status === 0, detail: r.status === 0 ? "answers SSH: fencing it" : `does not answer (${firstError(r)}): treated as gone` };
    });
    let written = "";
    if (reachable) {
      written = await run.step("fence", old.name, async () => {
        const out = await run.apply(next, old);
        const pos = await run.sql(old, "SELECT @@gtid_binlog_pos");
        if (!GTID_LIST.test(pos)) throw new Error(`its binlog position ${JSON.stringify(pos)} is not a GTID list`);
        return { value: pos, detail: `${roleLines(out)}; it wrote up to GTID ${pos || "none"}` };
      });
      if (written)
        await run.step("catch up", promoted.name, async () => {
          const waited = await run.sql(promoted, `SELECT MASTER_GTID_WAIT('${written}', 60)`);
          if (waited !== "0") throw new Error(`did not reach GTID ${written} within 60 s`);
          return { value: undefined, detail: `has every transaction up to ${written}` };
        });
    }
    const position = await run.step("promote", promoted.name, async () => {
      const out = await run.apply(next, promoted);
      const [readOnly, gtid] = (await run.sql(promoted, "SELECT @@read_only, @@gtid_current_pos")).split("\t");
      if (readOnly !== "0") throw new Error("still read-only after the promotion");
      return { value: gtid, detail: `${roleLines(out)}; writable at GTID ${gtid}` };
    });
    await run.step("record", "stack file", async () => {
      run.writeStack(newText);
      return { value: undefined, detail: `${path.basename(ctx.stackFile)}: shop:database.primary ${shortName(spec, promoted)}, outOfService ${outOfService.join(", ")}` };
    });
    const apps = appNodes(next).filter((n) => n.name !== old.name && n.name !== promoted.name);
    await Promise.all(
      apps.map((n) =>
        run.step("repoint", n.name, async () => ({ value: undefined, detail: roleLines(await run.apply(next, n)) || "already pointed at the new primary" })),
      ),
    );
    return run.report(
      true,
      `failover: ${promoted.name} is the primary (GTID ${position}), ${old.name} is out of service (${reachable ? "fenced" : "unreachable, not fenced"}), ` +
        `${apps.length} app node(s) repointed in ${run.steps.reduce((s, x) => s + x.seconds, 0).toFixed(1)} s; rebuild it with --rebuild ${shortName(spec, old)}`,
    );
  } catch (err) {
    if (!(err instanceof FailoverError)) throw err;
    return run.report(false, `failover stopped: ${err.message}`);
  }
}

/**
 * Pipes `send` on the primary into `receive` on the node, through the admin's two SSH sessions.
 * `logical`: a dump instead of a hot copy, for a node on a newer MariaDB series than the primary
 * (mariadb-backup prepares copies of its own series only).
 */
function reseedStream(from: DeployTarget, to: DeployTarget, logical: boolean): Promise<RemoteResult> {
  return new Promise((resolve) => {
    const send = spawn("ssh", [...from.ssh, `sudo ${RESEED_TOOL} send${logical ? " --logical" : ""}`], { stdio: ["ignore", "pipe", "pipe"] });
    const receive = spawn("ssh", [...to.ssh, `sudo ${RESEED_TOOL} receive`], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    send.stderr.on("data", (d: Buffer) => (stderr += `send: ${d}`));
    receive.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    receive.stderr.on("data", (d: Buffer) => (stderr += `receive: ${d}`));
    receive.stdin.on("error", () => {}); // receive exiting early ends the pipe; its status says why
    send.stdout.pipe(receive.stdin);
    let sendStatus = 0;
    send.on("close", (code) => (sendStatus = code ?? 255));
    receive.on("close", (code) => resolve({ status: sendStatus || (code ?? 255), stdout, stderr }));
  });
}

/**
 * Brings a node that is out of service back as a replica: installs its (fenced) bundle, re-seeds
 * it from a hot copy of the primary at the copy's GTID position, takes it out of
 * shop:database.outOfService, and installs the bundles that change with it (the node itself,
 * the primary's semi-sync, the app nodes' read replica).
 */
export async function rebuild(ctx: FailoverContext, short: string): Promise<FailoverReport> {
  const run = new Run(ctx);
  const text = fs.readFileSync(ctx.stackFile, "utf8");
  const spec = ctx.specOf(text);
  const node = nodeByShortName(spec, short);
  const outOfService = shortNamesOutOfService(spec);
  if (!node || !outOfService.includes(short))
    throw new FailoverError(`--rebuild: found ${JSON.stringify(short)}; allowed: a node in shop:database.outOfService (${outOfService.join(", ") || "none"})`);
  const primary = dbPrimary(spec);
  const newText = withDatabaseRoles(text, { primary: shortName(spec, primary), outOfService: outOfService.filter((n) => n !== short) });
  const next = ctx.specOf(newText);
  try {
    await run.step("prepare", node.name, async () => ({ value: undefined, detail: roleLines(await run.apply(spec, node)) }));
    await run.step("re-seed", node.name, async () => {
      // Mid-upgrade the node runs the new image's MariaDB (shop:nodeImages): the copy is a dump.
      const r = await reseedStream(run.target(primary), run.target(node), node.os.mariadb !== primary.os.mariadb);
      if (r.status !== 0) throw new Error(r.stderr.trim().split("\n").slice(-3).join(" | ") || `exit ${r.status}`);
      return { value: undefined, detail: r.stdout.trim().split("\n").filter((l) => /re-seeded/.test(l))[0] ?? "re-seeded" };
    });
    await run.step("record", "stack file", async () => {
      run.writeStack(newText);
      return { value: undefined, detail: `${path.basename(ctx.stackFile)}: ${short} back in service` };
    });
    for (const n of [node, primary]) await run.step("apply", n.name, async () => ({ value: undefined, detail: roleLines(await run.apply(next, n)) }));
    const apps = appNodes(next).filter((n) => n.name !== node.name && n.name !== primary.name);
    await Promise.all(apps.map((n) => run.step("repoint", n.name, async () => ({ value: undefined, detail: roleLines(await run.apply(next, n)) }))));
    await run.step("verify", node.name, async () => {
      let status = "";
      const field = (name: string) => new RegExp(`^\\s*${name}: (.*)$`, "m").exec(status)?.[1];
      // The IO thread may still be connecting right after the apply: bounded, 30 s.
      for (let i = 0; i < 30; i++, await new Promise((r) => setTimeout(r, 1000))) {
        const r = await run.remote(node, `sudo mariadb -e "SHOW SLAVE STATUS\\G"`);
        if (r.status !== 0) throw new Error(firstError(r));
        status = r.stdout;
        if ((field("Slave_IO_Running") === "Yes" && field("Slave_SQL_Running") === "Yes") || field("Last_Error") || field("Last_IO_Error")) break;
      }
      if (field("Slave_IO_Running") !== "Yes" || field("Slave_SQL_Running") !== "Yes")
        throw new Error(`replication is not running (IO ${field("Slave_IO_Running")}, SQL ${field("Slave_SQL_Running")}: ${field("Last_Error") || field("Last_IO_Error")})`);
      // SHOW SLAVE STATUS has no Gtid_Slave_Pos field (SHOW ALL SLAVES STATUS has): read the variable.
      const pos = await run.remote(node, `sudo mariadb --batch --skip-column-names -e "SELECT @@gtid_slave_pos"`);
      return { value: undefined, detail: `replicates from ${field("Master_Host")} at GTID ${pos.status === 0 ? pos.stdout.trim() : "unknown"}` };
    });
    return run.report(true, `rebuild: ${node.name} replicates from ${primary.name} again and is back in service`);
  } catch (err) {
    if (!(err instanceof FailoverError)) throw err;
    return run.report(false, `rebuild stopped: ${err.message}`);
  }
}
