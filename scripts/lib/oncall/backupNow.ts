import type { ShopSpec } from "../../../components/config";
import { backupJobs, BackupKind } from "../../../components/hostconfig/backup";
import { DeployTarget, firstError, runRemote } from "../deploy/exec";

/** The kinds a backup before a risky change takes: the database dump and every host's files. */
export const NOW_KINDS: BackupKind[] = ["db", "files", "media"];

export interface BackupRun {
  host: string;
  kind: BackupKind;
  ok: boolean;
  snapshot: string | null;
  seconds: number;
  detail: string;
}

/** Every (host, kind) the stack runs a job for, of the wanted kinds, in the stack's node order. */
export function backupPlan(spec: ShopSpec, kinds: BackupKind[]): { host: string; kind: BackupKind }[] {
  return spec.nodes.flatMap((n) => backupJobs(spec, n).filter((j) => kinds.includes(j.kind)).map((j) => ({ host: n.name, kind: j.kind })));
}

/**
 * Starts the job's own unit (the timer's sandbox, environment and lock: a run already under way
 * is joined, not doubled) and reads the snapshot id shop-backup logged for this run.
 */
export async function runBackupNow(target: DeployTarget, kind: BackupKind, timeoutMs = 3_600_000): Promise<BackupRun> {
  const unit = `shop-backup@${kind}.service`;
  const t0 = Date.now();
  const r = await runRemote(target, `t=$(date +%s); sudo systemctl start ${unit}; rc=$?; sudo journalctl -u ${unit} --since "@$t" -o cat --no-pager | tail -n 20; exit $rc`, { timeoutMs });
  const seconds = (Date.now() - t0) / 1000;
  const logged = new RegExp(`^shop-backup ${kind} snapshot ([0-9a-f]{8,64})\\b(.*)$`, "m").exec(r.stdout);
  if (r.status !== 0) {
    const why = r.stdout.split("\n").filter((l) => /error/i.test(l)).slice(-1)[0] ?? firstError(r);
    return { host: target.name, kind, ok: false, snapshot: null, seconds, detail: `${unit} failed: ${why}` };
  }
  if (kind === "db" || kind === "files") {
    if (!logged) return { host: target.name, kind, ok: false, snapshot: null, seconds, detail: `${unit} ran but logged no snapshot id` };
    return { host: target.name, kind, ok: true, snapshot: logged[1], seconds, detail: logged[2].trim() };
  }
  return { host: target.name, kind, ok: true, snapshot: null, seconds, detail: r.stdout.trim().split("\n").slice(-1)[0] ?? "" };
}

/** Nodes in parallel, each node's jobs one after another (a host never dumps and copies at once). */
export async function backupNow(spec: ShopSpec, targets: Map<string, DeployTarget>, kinds: BackupKind[], log: (line: string) => void): Promise<BackupRun[]> {
  const plan = backupPlan(spec, kinds);
  const hosts = [...new Set(plan.map((p) => p.host))];
  const runs = await Promise.all(
    hosts.map(async (host) => {
      const done: BackupRun[] = [];
      for (const { kind } of plan.filter((p) => p.host === host)) {
        const r = await runBackupNow(targets.get(host)!, kind);
        log(`${r.ok ? "ok  " : "FAIL"} ${host.padEnd(18)} ${kind.padEnd(6)} ${r.snapshot ?? "-"}  ${r.seconds.toFixed(1)} s  ${r.detail}`);
        done.push(r);
      }
      return done;
    }),
  );
  return runs.flat();
}
