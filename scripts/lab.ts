import * as path from "path";
import { buildSpec, isStackName, readStackFile, STACK_NAME_RULE, stackFilePath } from "../components/config";
import { CommandSpec, fail, parseCommand, runMain } from "./lib/cli";
import { labDown, leftovers } from "./lab/down";
import { LabNames, labNames, PROJECT_ROOT } from "./lab/paths";
import { preflightProblems } from "./lab/preflight";
import type { LabContext } from "./lab/scenarios/context";
import { runScenarios, scenarios, ScenarioOutcome, selectScenarios, upgradeScenarios } from "./lab/test";
import { UPGRADE_FROM, upgradeStart } from "./lab/scenarios/upgrade";
import { labUp } from "./lab/up";

const LAB_COMMAND: CommandSpec = {
  command: "npm run lab --",
  synopsis: "up|test|down --stack NAME   (as root, with systemd-nspawn)",
  summary: "Boots the stack's hosts as real Debian systemd hosts from the plan's user-data and bundles (up), runs every checklist scenario and tears down (test), or removes every trace (down).",
  options: [
    { name: "stack", value: "NAME", help: "the stack whose plan the lab boots (stacks/Pulumi.NAME.yaml)" },
    { name: "only", value: "ID[,ID...]", help: "test: run only these scenarios (their numbers, as the summary prints them)" },
    { name: "upgrade", help: `test: boot the stack on ${UPGRADE_FROM.image} / Shopware ${UPGRADE_FROM.shopwareVersion} and run README "Upgrade path" to its own image and version (scenarios 1 and 40)` },
  ],
};
const USAGE = `usage: ${LAB_COMMAND.command} ${LAB_COMMAND.synopsis}`;

const log = (line: string) => process.stdout.write(`lab: ${line}\n`);

/** `lab test` as a whole never runs longer than this (CI must not hang); down follows. */
const TEST_DEADLINE_MS = 30 * 60_000;

/**
 * Tears the lab down when the run is interrupted (Ctrl-C, CI cancel) or overruns, then exits:
 * an aborted up or test must leave nothing behind either.
 */
function tearDownOnAbort(names: LabNames, deadlineMs?: number): void {
  let aborting = false;
  const abort = (why: string, code: number) => {
    if (aborting) return;
    aborting = true;
    log(`${why}: tearing the lab down`);
    labDown(names, log)
      .catch((err: unknown) => log(`down failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => process.exit(code));
  };
  process.on("SIGINT", () => abort("interrupted", 130));
  process.on("SIGTERM", () => abort("terminated", 143));
  if (deadlineMs) setTimeout(() => abort(`lab test exceeded ${deadlineMs / 60_000} min`, 1), deadlineMs).unref();
}

runMain(async () => {
  const { flags, positional } = parseCommand(process.argv.slice(2), LAB_COMMAND);
  const [action, ...rest] = positional;
  if (!action || !["up", "test", "down"].includes(action) || rest.length) fail(`error: name one action: up, test or down\n${USAGE}`);
  const stack = typeof flags.stack === "string" ? flags.stack : fail(`error: name a stack\n${USAGE}`);
  if (!isStackName(stack)) fail(`error: --stack: found ${JSON.stringify(stack)}; allowed: ${STACK_NAME_RULE}`);
  if (process.getuid?.() !== 0) fail("error: the lab runs as root (it mounts overlays, creates bridges and containers)");
  const upgrade = flags.upgrade === true;
  if (upgrade && action !== "test") fail(`error: --upgrade goes with test\n${USAGE}`);
  const pool = upgrade ? upgradeScenarios : scenarios;
  const selected = flags.only === undefined ? pool : selectScenarios(String(flags.only), pool);
  if (typeof selected === "string") fail(`error: --only: ${selected}`);
  const names = labNames(stack);

  if (action === "down") {
    await labDown(names, log);
    log(`down: clean (${JSON.stringify(leftovers(names))})`);
    return;
  }
  const problems = preflightProblems(stack);
  if (problems.length) fail(problems.map((p) => `error: ${p}`).join("\n"));
  // The stack must exist and be valid before anything is created.
  const declared = buildSpec(readStackFile(stackFilePath(path.join(PROJECT_ROOT, "stacks"), stack), stack).raw, { stack }).spec;
  if (upgrade && declared.image === UPGRADE_FROM.image) fail(`error: --upgrade: stack ${stack} declares shop:image ${declared.image}; allowed: a stack on a newer image, which the lab reaches from ${UPGRADE_FROM.image}`);
  const started = Date.now();
  tearDownOnAbort(names, action === "test" ? TEST_DEADLINE_MS : undefined);
  if (action === "up") {
    await labUp(names, log);
    log(`up: ready in ${((Date.now() - started) / 1000).toFixed(0)} s; \`npm run lab -- down --stack ${stack}\` removes it`);
    return;
  }
  // test: up, every scenario, and down whatever happens (never a lab left behind, never a hang).
  let outcomes: ScenarioOutcome[] = [];
  try {
    const up = await labUp(names, log, upgrade ? upgradeStart : undefined);
    const ctx: LabContext = { ...up, names, log };
    outcomes = await runScenarios(ctx, selected);
  } finally {
    await labDown(names, log);
  }
  log(`summary after ${((Date.now() - started) / 1000).toFixed(0)} s:`);
  for (const o of outcomes) log(`  ${o.ok ? "PASS" : "FAIL"} ${o.id} ${o.title} (${o.seconds.toFixed(1)} s): ${o.ok ? o.figure : o.figure.replace(/\n/g, "\n      ")}`);
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length) fail(`lab test: ${failed.length} of ${outcomes.length} scenario(s) failed: ${failed.map((o) => o.id).join(", ")}`);
  log(`lab test: all ${outcomes.length} scenarios passed`);
  // A scenario that overran its bound may still have a bounded loop pending: do not wait for it.
  process.exit(0);
});
