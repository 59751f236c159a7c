import type { NodeRole } from "../../../components/config";
import { workerUnitNames } from "../../../components/hostconfig/shopware";
import { inHost } from "../hosts";
import { httpRequest, HttpReply } from "../http";
import type { LabNames } from "../paths";
import type { RunResult } from "../proc";
import type { LabUp } from "../up";

/** Everything a scenario may use: what `up` built; day-2 scenarios replace spec and topo after a converge. */
export interface LabContext extends LabUp {
  names: LabNames;
  log: (line: string) => void;
}

export interface Scenario {
  id: number;
  title: string;
  /** Hard bound: the runner fails the scenario when it takes longer. */
  timeoutMs: number;
  /** Resolves with the scenario's figure; throws with a clear message when a check fails. */
  run(ctx: LabContext): Promise<string>;
}

export function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** A request to the shop through the LB stand-in, from the client address (a Cloudflare edge when proxied). */
export function shopRequest(ctx: LabContext, path: string, opts: { method?: string; cookie?: string; from?: string; timeoutMs?: number } = {}): Promise<HttpReply> {
  return httpRequest({
    host: ctx.topo.loadBalancer.publicIp,
    port: ctx.topo.loadBalancer.destinationPort,
    path,
    method: opts.method,
    from: opts.from ?? ctx.topo.publicSide.client,
    hostHeader: ctx.spec.primaryHost,
    cookie: opts.cookie,
    timeoutMs: opts.timeoutMs,
  });
}

export function inHostOk(ctx: LabContext, host: string, command: string[], timeoutMs = 60_000): RunResult {
  return inHost(ctx.names, host, command, { timeoutMs });
}

export function hostsWithRole(ctx: LabContext, role: NodeRole): string[] {
  return ctx.topo.hosts.filter((h) => h.node.roles.includes(role)).map((h) => h.name);
}

/** Shopware's workers per app node, each unit by name (a glob misses units systemd unloaded once stopped). */
export function appWorkers(ctx: LabContext): { host: string; units: string[] }[] {
  return ctx.topo.hosts.map((h) => ({ host: h.name, units: workerUnitNames(h.node) })).filter((w) => w.units.length);
}

/**
 * Runs `body` with Shopware's workers stopped on every app node, as before a restore over the
 * live database (the runbook's steps), and starts them again whatever happens.
 */
export async function withWorkersStopped<T>(ctx: LabContext, body: (workers: { host: string; units: string[] }[]) => Promise<T>): Promise<T> {
  const workers = appWorkers(ctx);
  for (const w of workers) inHostOk(ctx, w.host, ["systemctl", "stop", ...w.units]);
  try {
    return await body(workers);
  } finally {
    for (const w of workers) inHostOk(ctx, w.host, ["systemctl", "start", ...w.units]);
  }
}
