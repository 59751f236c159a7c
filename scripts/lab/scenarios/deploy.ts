import * as fs from "fs";
import * as path from "path";
import { appNodes, dbPrimary } from "../../../components/config";
import { RELEASE_TOOL } from "../../../components/hostconfig/release";
import { SHOP_DB_NAME, SHOP_DIR } from "../../../components/hostconfig/shopware";
import type { DeployReport } from "../../lib/deploy/run";
import { PROJECT_ROOT } from "../paths";
import { runAsync, sleep } from "../proc";
import { ssh } from "../ssh";
import { LAB_DEPLOY_USER, LAB_READONLY_USER } from "../stackFile";
import { backendStates } from "../standins/haproxy";
import { buildStandInRelease } from "../standins/shopware";
import { check, inHostOk, LabContext, Scenario, shopRequest } from "./context";

const CLIENTS = 2;

interface Sample {
  at: number;
  status: number;
  node: string;
  release: string;
}

/** Two clients looping on the storefront through the LB until stop() is called. */
function storefrontLoad(ctx: LabContext) {
  const samples: Sample[] = [];
  let running = true;
  const client = async () => {
    while (running) {
      const at = Date.now();
      try {
        const r = await shopRequest(ctx, "/", { timeoutMs: 5000 });
        samples.push({ at, status: r.status, node: String(r.headers["x-served-by"] ?? ""), release: String(r.headers["x-shop-release"] ?? "") });
      } catch {
        samples.push({ at, status: 0, node: "", release: "" });
      }
      await sleep(25);
    }
  };
  const done = Promise.all(Array.from({ length: CLIENTS }, client));
  return {
    samples,
    failed: () => samples.filter((s) => s.status !== 200),
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** The LB stand-in's view of every target, sampled until stop(). */
function lbTimeline(ctx: LabContext) {
  const timeline: { at: number; states: Record<string, string> }[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      timeline.push({ at: Date.now(), states: await backendStates(ctx.names) });
      await sleep(200);
    }
  })();
  return {
    /** The LB's state of a node at a moment: the last sample taken before it. */
    stateAt: (node: string, at: number) => [...timeline].reverse().find((s) => s.at <= at)?.states[node] ?? "unknown",
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** `npm run deploy -- … --lab` as an operator types it, with its JSON report. */
async function deployCli(ctx: LabContext, args: string[], user = LAB_DEPLOY_USER): Promise<{ status: number; output: string; report?: DeployReport }> {
  const reportFile = path.join(ctx.names.runDir, `deploy-report-${Date.now()}.json`);
  const r = await runAsync(
    process.execPath,
    ["-r", path.join(PROJECT_ROOT, "scripts/lib/register-ts.js"), path.join(PROJECT_ROOT, "scripts/deploy.ts"), "--stack", ctx.names.stack, "--lab", "--user", user, "--report", reportFile, ...args],
    { allowFail: true, timeoutMs: 400_000, cwd: PROJECT_ROOT },
  );
  for (const line of r.stdout.trim().split("\n")) ctx.log(`  deploy| ${line}`);
  const report = fs.existsSync(reportFile) ? (JSON.parse(fs.readFileSync(reportFile, "utf8")) as DeployReport) : undefined;
  return { status: r.status, output: `${r.stdout}\n${r.stderr}`, report };
}

function releaseDir(ctx: LabContext, label: string, broken = false): string {
  return buildStandInRelease(path.join(ctx.names.runDir, "releases", label), ctx.spec, { label: `${label} ${Date.now()}`, broken });
}

function currentOn(ctx: LabContext, host: string): string {
  return inHostOk(ctx, host, ["readlink", `${SHOP_DIR}/current`]).stdout.trim().replace(/^releases\//, "");
}

/**
 * 20. SW-3: a rolling deploy of a second release while two clients loop on the storefront:
 * 0 failed requests, each node out of the LB before its switch, migrations once, and every
 * node serving the new release afterwards.
 */
export const rollingDeployScenario: Scenario = {
  id: 20,
  title: "Rolling deploy (SW-3)",
  timeoutMs: 420_000,
  async run(ctx: LabContext) {
    const apps = appNodes(ctx.spec).map((n) => n.name);
    const load = storefrontLoad(ctx);
    const lb = lbTimeline(ctx);
    let result: Awaited<ReturnType<typeof deployCli>>;
    try {
      await sleep(2000);
      result = await deployCli(ctx, ["--release", releaseDir(ctx, "second")]);
      await sleep(3000);
    } finally {
      await load.stop();
      await lb.stop();
    }
    const report = result.report;
    check(result.status === 0 && Boolean(report?.ok), `the deploy failed (exit ${result.status}): ${report?.summary ?? result.output.trim().split("\n").pop()}`);
    const id = report!.release;
    const failed = load.failed();
    check(failed.length === 0, `${failed.length} of ${load.samples.length} storefront requests failed during the deploy (first: HTTP ${failed[0]?.status} at +${((failed[0]?.at ?? 0) - load.samples[0].at) / 1000} s)`);
    const drained: string[] = [];
    for (const node of apps) {
      const sw = report!.steps.find((s) => s.node === node && s.step === "switch current");
      check(Boolean(sw?.ok), `${node}: no successful switch in the report`);
      const state = lb.stateAt(node, sw!.startedAt);
      check(!state.startsWith("UP"), `${node}: the LB still had it ${state} when its current switched`);
      const undrain = report!.steps.find((s) => s.node === node && s.step === "undrain")!;
      drained.push(`${node} out of the LB ${((undrain.startedAt - report!.steps.find((s) => s.node === node && s.step === "drain")!.startedAt) / 1000).toFixed(1)} s`);
      check(currentOn(ctx, node) === id, `${node}: current is ${currentOn(ctx, node)}, not ${id}`);
    }
    const migrations = inHostOk(ctx, dbPrimary(ctx.spec).name, ["mariadb", "--batch", "--skip-column-names", "-e", `SELECT COUNT(*) FROM ${SHOP_DB_NAME}.lab_migrations WHERE release_id='${id}'`]).stdout.trim();
    check(migrations === "1", `the deployment helper ran ${migrations} times for ${id}, not once`);
    const lastSecond = load.samples.filter((s) => s.at > load.samples[load.samples.length - 1].at - 2500);
    const servingNew = new Set(lastSecond.filter((s) => s.release === id).map((s) => s.node));
    check(lastSecond.every((s) => s.release === id), `after the deploy some requests still got ${[...new Set(lastSecond.map((s) => s.release))].join(", ")}`);
    return (
      `deploy ${id} in ${report!.seconds.toFixed(1)} s: ${load.samples.length} storefront requests from ${CLIENTS} clients, 0 failed; ` +
      `${drained.join(", ")} (each DOWN in the LB at its switch); migrations ran once; ${servingNew.size} nodes serve it afterwards` +
      (report!.warm ? `; ${report!.warm.line}` : "")
    );
  },
};

/**
 * 21. SW-3: a release whose health check fails: the rollout stops on the first node, which stays
 * out of the LB; the other node keeps serving the previous release with 0 failed requests;
 * --rollback restores the first node.
 */
export const brokenDeployScenario: Scenario = {
  id: 21,
  title: "Broken release stops, rollback (SW-3)",
  timeoutMs: 420_000,
  async run(ctx: LabContext) {
    const apps = appNodes(ctx.spec).map((n) => n.name);
    const before = Object.fromEntries(apps.map((a) => [a, currentOn(ctx, a)]));
    const load = storefrontLoad(ctx);
    let bad: Awaited<ReturnType<typeof deployCli>>;
    let back: Awaited<ReturnType<typeof deployCli>>;
    try {
      await sleep(2000);
      bad = await deployCli(ctx, ["--release", releaseDir(ctx, "broken", true)]);
      back = await deployCli(ctx, ["--rollback"]);
      await sleep(3000);
    } finally {
      await load.stop();
    }
    check(bad.status !== 0 && bad.report?.ok === false, `the broken release was not stopped (exit ${bad.status})`);
    const failure = bad.report!.failure!;
    check(failure.node === bad.report!.nodes[0] && failure.step === "health check", `the deploy stopped at ${failure.node} "${failure.step}", not the first node's health check`);
    const others = bad.report!.nodes.slice(1);
    for (const o of others) check(bad.report!.after[o] === before[o], `${o} serves ${bad.report!.after[o]} after the stopped deploy, not ${before[o]}`);
    check(back.status === 0 && Boolean(back.report?.ok), `the rollback failed: ${back.report?.summary ?? back.output.trim().split("\n").pop()}`);
    for (const a of apps) check(currentOn(ctx, a) === before[a], `${a}: current is ${currentOn(ctx, a)} after the rollback, not ${before[a]}`);
    const failed = load.failed();
    check(failed.length === 0, `${failed.length} of ${load.samples.length} storefront requests failed while the broken release was stopped and rolled back`);
    const states = await backendStates(ctx.names);
    check(apps.every((a) => states[a] === "UP"), `not every node is back in the LB: ${JSON.stringify(states)}`);
    return (
      `broken release stopped at ${failure.node} "${failure.step}" (${failure.detail}); ${others.join(", ")} kept ${others.map((o) => before[o]).join(", ")}; ` +
      `rollback to ${back.report!.release} in ${back.report!.seconds.toFixed(1)} s; ${load.samples.length} storefront requests, 0 failed`
    );
  },
};

/**
 * 22. SEC-2, SW-3: a user without the deploy role is refused by the host itself (sudo and file
 * permissions), not by the CLI; nothing changed. Then maintenance on/off as the deploy user:
 * the storefront answers 503 through the LB while every node stays in it.
 */
export const deployAccessScenario: Scenario = {
  id: 22,
  title: "Deploy access and maintenance (SEC-2, SW-3)",
  timeoutMs: 240_000,
  async run(ctx: LabContext) {
    const apps = ctx.topo.hosts.filter((h) => h.node.roles.includes("app"));
    const before = Object.fromEntries(apps.map((a) => [a.name, currentOn(ctx, a.name)]));
    const refused = await deployCli(ctx, ["--release", releaseDir(ctx, "unauthorised")], LAB_READONLY_USER);
    check(refused.status !== 0, "a readonly user's deploy was not refused");
    check(/password is required|not allowed|Permission denied/.test(refused.output), `the refusal does not come from the host: ${refused.output.trim().split("\n").slice(-2).join(" | ")}`);
    const direct: string[] = [];
    for (const a of apps) {
      const as = (command: string) => ssh({ ip: a.publicIp, key: ctx.key, from: ctx.topo.publicSide.deployer, user: LAB_READONLY_USER }, command, { allowFail: true, timeoutMs: 30_000 });
      for (const command of [`sudo -n ${RELEASE_TOOL} drain`, `sudo -n ${RELEASE_TOOL} activate ${before[a.name]}`, `mkdir ${SHOP_DIR}/releases/x`, `ln -sfn /tmp ${SHOP_DIR}/current`]) {
        const r = as(command);
        check(r.status !== 0, `${a.name}: ${LAB_READONLY_USER} could run: ${command}`);
        direct.push(r.stderr.trim().split("\n")[0]);
      }
      check(currentOn(ctx, a.name) === before[a.name], `${a.name}: current changed to ${currentOn(ctx, a.name)}`);
      check(inHostOk(ctx, a.name, ["bash", "-c", "test -e /run/shop/drain && echo drained || echo serving"]).stdout.trim() === "serving", `${a.name} was drained by a refused deploy`);
    }

    const on = await deployCli(ctx, ["--maintenance", "on"]);
    let page: number;
    let states: Record<string, string>;
    try {
      check(on.status === 0, `maintenance on failed: ${on.output.trim().split("\n").pop()}`);
      await sleep(ctx.spec.loadBalancer.failoverSeconds * 1000);
      page = (await shopRequest(ctx, "/")).status;
      states = await backendStates(ctx.names);
    } finally {
      const off = await deployCli(ctx, ["--maintenance", "off"]);
      check(off.status === 0, `maintenance off failed: ${off.output.trim().split("\n").pop()}`);
    }
    check(page === 503, `the storefront answered ${page} through the LB in maintenance, not 503`);
    check(apps.every((a) => states[a.name] === "UP"), `the LB dropped nodes in maintenance: ${JSON.stringify(states)}`);
    const after = (await shopRequest(ctx, "/")).status;
    check(after === 200, `the storefront answers ${after} after maintenance off`);
    return (
      `${LAB_READONLY_USER}'s deploy refused by the host (${refused.report?.failure?.detail ?? "preflight"}); ${direct.length} direct attempts refused (${[...new Set(direct)].join(" | ")}); ` +
      `maintenance: storefront 503 through the LB with ${apps.length} nodes UP, 200 after off`
    );
  },
};
