import type { LabContext, Scenario } from "./scenarios/context";
import { bootScenario } from "./scenarios/boot";
import { failoverScenario } from "./scenarios/failover";
import { firewallScenario } from "./scenarios/firewall";
import { realServerScenario } from "./scenarios/realServer";
import { replicationScenario } from "./scenarios/replication";
import { routingScenario } from "./scenarios/routing";
import { backupScenario } from "./scenarios/backup";
import { day2Scenario } from "./scenarios/day2";
import { monitoringScenario } from "./scenarios/monitoring";
import { appHealthScenario } from "./scenarios/appHealth";
import { outsideInScenario } from "./scenarios/outsideIn";
import { usersScenario } from "./scenarios/users";
import { reseedScenario } from "./scenarios/reseed";
import { dbFailoverScenario } from "./scenarios/dbFailover";
import { statusScenario } from "./scenarios/status";
import { backupNowScenario } from "./scenarios/backupNow";
import { cutoverScenario } from "./scenarios/cutover";
import { brokenDeployScenario, deployAccessScenario, rollingDeployScenario } from "./scenarios/deploy";
import { upgradeScenario } from "./scenarios/upgrade";

/** Run order (issue 7): cheap and foundational first, disruptive later. */
export const scenarios: Scenario[] = [
  bootScenario,
  realServerScenario,
  routingScenario,
  replicationScenario,
  firewallScenario,
  failoverScenario,
  usersScenario,
  rollingDeployScenario,
  brokenDeployScenario,
  deployAccessScenario,
  backupScenario,
  monitoringScenario,
  appHealthScenario,
  outsideInScenario,
  day2Scenario,
  reseedScenario,
  statusScenario,
  backupNowScenario,
  cutoverScenario,
  // Last: it moves the primary for good.
  dbFailoverScenario,
];

/** `lab -- test --upgrade`: the stack booted on debian-12 / Shopware 6.6, then README "Upgrade path" to its own image and version. */
export const upgradeScenarios: Scenario[] = [bootScenario, upgradeScenario];

/** `--only 3,6`: the scenarios with these ids, in run order; a string names what is wrong. */
export function selectScenarios(list: string, all: Scenario[] = scenarios): Scenario[] | string {
  const wanted = list.split(",").map((v) => v.trim());
  const known = new Set(all.map((s) => String(s.id)));
  const unknown = wanted.filter((v) => !known.has(v));
  if (unknown.length || !wanted.length) return `found ${JSON.stringify(list)}; allowed: a comma-separated list of scenario ids (${[...known].join(", ")})`;
  return all.filter((s) => wanted.includes(String(s.id)));
}

export interface ScenarioOutcome {
  id: number;
  title: string;
  ok: boolean;
  seconds: number;
  figure: string;
}

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} exceeded its bound of ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every scenario in order; a failure is recorded and the next one still runs. */
export async function runScenarios(ctx: LabContext, list: Scenario[] = scenarios): Promise<ScenarioOutcome[]> {
  const outcomes: ScenarioOutcome[] = [];
  for (const s of list) {
    const started = Date.now();
    ctx.log(`scenario ${s.id} ${s.title}: running (bound ${s.timeoutMs / 1000} s)`);
    let ok = true;
    let figure: string;
    try {
      figure = await bounded(s.run(ctx), s.timeoutMs, `scenario ${s.id}`);
    } catch (err) {
      ok = false;
      figure = err instanceof Error ? err.message : String(err);
    }
    const seconds = (Date.now() - started) / 1000;
    outcomes.push({ id: s.id, title: s.title, ok, seconds, figure });
    ctx.log(`scenario ${s.id} ${s.title}: ${ok ? "PASS" : "FAIL"} in ${seconds.toFixed(1)} s: ${figure}`);
  }
  return outcomes;
}
