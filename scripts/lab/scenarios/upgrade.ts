import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { buildSpec, dbPrimary, isDbNode, liveReplicas, readStackFile, shopwareLines, shortNodeName, stackFilePath } from "../../../components/config";
import { SHOP_DB_NAME } from "../../../components/hostconfig/shopware";
import { failover, rebuild } from "../../lib/failover/run";
import { specFromText } from "../../lib/stackEdit";
import { adminTargetsOf, deployInLab } from "../deployTargets";
import { planMachine, replaceMachine } from "../hosts";
import { ensureImage } from "../image";
import { labStackDir, PROJECT_ROOT } from "../paths";
import { renderPlan } from "../plan";
import { sleep } from "../proc";
import { labSpec, writeLabStack } from "../stackFile";
import { existingLabEdge, pointHostAtEdge } from "../standins/edge";
import { backendStates } from "../standins/haproxy";
import { buildStandInRelease } from "../standins/shopware";
import { readTopology } from "../topology";
import { convergeAll, dataDiskHost, StackChange } from "../up";
import { check, inHostOk, LabContext, Scenario, shopRequest } from "./context";
import { onCallCli } from "./oncallCli";

/** Where `lab -- test --upgrade` starts: debian-12 and the newest 6.6.10 patch the lifecycle table knows (README "Upgrade path", before step 1). */
export const UPGRADE_FROM = { image: "debian-12", shopwareVersion: shopwareLines["6.6"].newestPatch! };
export const upgradeStart: StackChange = (c) => Object.assign(c, { "shop:image": UPGRADE_FROM.image, "shop:shopwareVersion": UPGRADE_FROM.shopwareVersion });

interface Write {
  phase: string;
  ok: boolean;
  /** Seconds since the load started, and what a failed write got (status and body, or the error). */
  at: number;
  detail: string;
}

/** Writes through the LB, one after another, each recorded under the phase it ran in. */
function writeLoad(ctx: LabContext) {
  const writes: Write[] = [];
  let phase = "start";
  let stop = false;
  let n = 0;
  const t0 = Date.now();
  const loop = (async () => {
    while (!stop) {
      const token = `up-${n++}`;
      const at = (Date.now() - t0) / 1000;
      let ok = false;
      let detail = "";
      try {
        const r = await shopRequest(ctx, `/lab/write?token=${token}`, { method: "POST", timeoutMs: 5000 });
        ok = r.status === 200;
        detail = ok ? "" : `${r.status} ${r.body.trim().slice(0, 80)}`;
      } catch (err) {
        detail = err instanceof Error ? err.message : String(err);
      }
      writes.push({ phase, ok, at, detail });
      await sleep(ok ? 100 : 250);
    }
  })();
  return {
    writes,
    phase: (name: string) => {
      phase = name;
      ctx.log(`upgrade: ${name} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    },
    stop: async () => {
      stop = true;
      await loop;
    },
  };
}

/** Each server's image as the stack's plan in `planDir` declares it. */
function planImages(planDir: string): Record<string, string> {
  const plan = JSON.parse(fs.readFileSync(path.join(planDir, "plan.json"), "utf8")) as { resources: { type: string; name: string; inputs: { image?: string } }[] };
  return Object.fromEntries(plan.resources.filter((r) => r.type === "hcloud:index/server:Server").map((r) => [r.name, String(r.inputs.image)]));
}

/**
 * 40. SW-1, SW-2, HW-1: README "Upgrade path" on real hosts. The lab starts the stack on
 * debian-12 with Shopware 6.6 (`lab -- test --upgrade`) and moves it to the stack file's own
 * image and version as on-call would: the replica rebuilt on the new release and seeded with a
 * dump, a failover to it, the old primary rebuilt, each app node rebuilt and deployed to, then
 * shop:image and the Shopware line raised. Each rebuild is a server deleted and created under its
 * name from the plan's new user-data. Writes run through the LB the whole time. Checked: each
 * step's plan changes the image of exactly the node it names; no write fails outside the
 * failover; every acknowledged write is on the primary at the end; verify-hosts passes every
 * host on the new release; the last converge changes nothing.
 */
export const upgradeScenario: Scenario = {
  id: 40,
  title: "Upgrade debian-12 / Shopware 6.6 → the stack's image and version, one server at a time (SW-1, SW-2, HW-1)",
  timeoutMs: 1_500_000,
  async run(ctx: LabContext) {
    const stack = ctx.names.stack;
    const target = buildSpec(readStackFile(stackFilePath(path.join(PROJECT_ROOT, "stacks"), stack), stack).raw, { stack }).spec;
    check(ctx.spec.image === UPGRADE_FROM.image && target.image !== UPGRADE_FROM.image, `the lab runs ${ctx.spec.image} towards ${target.image}: start it with \`lab -- test --upgrade\` on a stack that declares another image than ${UPGRADE_FROM.image}`);
    const newImage = target.image;
    const suite = target.os.codename;
    const imageDir = ensureImage(target, suite, ctx.log).dir;

    // The stack file's edits so far, on top of the lab's start (debian-12, 6.6).
    const edits: Record<string, unknown> = {};
    const nodeImages: Record<string, string> = {};
    const databaseNow = () => (parse(fs.readFileSync(ctx.stackFile, "utf8")) as { config: Record<string, unknown> }).config["shop:database"] as { primary?: string; outOfService?: string[] } | undefined;
    let step = 0;
    const figures: string[] = [];
    /** Writes the stack file with `edits`, renders its plan, and returns which servers' images the plan changed. */
    const replan = (label: string): string[] => {
      const before = planImages(ctx.topo.planDir);
      ctx.stackFile = writeLabStack(stack, labStackDir(ctx.names), ctx.publicKey, (c) => {
        ctx.start(c);
        Object.assign(c, edits);
        if (Object.keys(nodeImages).length) c["shop:nodeImages"] = { ...nodeImages };
        for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
      });
      ctx.spec = labSpec(ctx.stackFile, stack);
      const out = renderPlan(ctx.stackFile, path.join(ctx.names.runDir, `plan-upgrade-${++step}-${label}`));
      ctx.topo = readTopology(ctx.spec, out);
      const after = planImages(ctx.topo.planDir);
      return Object.keys(after).filter((name) => after[name] !== before[name]);
    };
    const load = writeLoad(ctx);
    const t0 = Date.now();

    /** One server rebuilt on the new image under its own name (delete first, then create), converged, and brought back into service. */
    const rebuildOn = async (short: string) => {
      const name = `${stack}-${short}`;
      const started = Date.now();
      load.phase(`rebuild ${short}`);
      const node = ctx.spec.nodes.find((n) => n.name === name)!;
      const [isDb, isApp] = [isDbNode(node), node.roles.includes("app")];
      if (isApp) {
        // Out of rotation before the server goes: the LB stops sending within failoverSeconds.
        inHostOk(ctx, name, ["shop-release", "drain"]);
        await sleep(ctx.spec.loadBalancer.failoverSeconds * 1000);
      }
      // A replica leaves service in a step of its own: the app nodes stop reading from it and the
      // primary stops waiting for it before the server goes.
      const db = databaseNow();
      if (isDb && !db?.outOfService?.includes(short)) {
        edits["shop:database"] = { ...db, outOfService: [...(db?.outOfService ?? []), short] };
        check(replan(`out-${short}`).length === 0, `taking ${short} out of service changes a server's image`);
        await convergeAll(ctx.topo, ctx.key, ctx.secrets, () => {});
      }
      nodeImages[short] = newImage;
      const changed = replan(`rebuild-${short}`);
      check(changed.length === 1 && changed[0] === name, `the plan for rebuilding ${short} changes the image of ${changed.join(", ") || "no server"}, not of ${name} alone`);
      const host = ctx.topo.hosts.find((h) => h.name === name)!;
      const boot = await replaceMachine(ctx.names, ctx.topo, planMachine(host, ctx.publicKey, host === dataDiskHost(ctx.topo)), imageDir);
      check(boot.cloudInit === "done" || boot.cloudInit === "error", `${name}: cloud-init ${boot.cloudInit}`);
      pointHostAtEdge(ctx.names, name, ctx.spec, existingLabEdge(ctx.names, ctx.topo));
      await convergeAll(ctx.topo, ctx.key, ctx.secrets, () => {});
      const codename = inHostOk(ctx, name, ["sh", "-c", ". /etc/os-release && echo $VERSION_CODENAME"]).stdout.trim();
      check(codename === suite, `${name} runs Debian ${codename} after its rebuild, not ${suite}`);
      let detail = "";
      if (isDb) {
        const rebuilt = await rebuild({ stackFile: ctx.stackFile, targets: adminTargetsOf(ctx.topo, ctx.key), specOf: specFromText(stack), log: (l) => ctx.log(`rebuild: ${l}`) }, short);
        check(rebuilt.ok, rebuilt.summary);
        edits["shop:database"] = databaseNow();
        replan(`back-${short}`);
        detail = rebuilt.steps.find((s) => s.step === "re-seed")?.detail ?? "";
      }
      if (isApp) {
        // A new server has no release: the deploy goes to it first, then rolls over the others.
        const id = `upgrade-${short}`;
        await deployInLab(ctx.spec, ctx.topo, ctx.key, buildStandInRelease(path.join(ctx.names.runDir, "releases", id), ctx.spec, { label: id }), id, (l) => ctx.log(l));
        await waitUntilUp(ctx, name);
      }
      figures.push(`${short} rebuilt on ${newImage} in ${((Date.now() - started) / 1000).toFixed(0)} s (boot ${boot.seconds.toFixed(0)} s${detail ? `; ${detail}` : ""})`);
    };

    try {
      const dbPrimaryShort = shortNodeName(stack, dbPrimary(ctx.spec).name);
      const replicaShort = shortNodeName(stack, liveReplicas(ctx.spec)[0].name);
      await rebuildOn(replicaShort);

      load.phase("failover");
      const switched = await failover({ stackFile: ctx.stackFile, targets: adminTargetsOf(ctx.topo, ctx.key), specOf: specFromText(stack), log: (l) => ctx.log(`failover: ${l}`) }, replicaShort);
      check(switched.ok, switched.summary);
      edits["shop:database"] = databaseNow();
      replan("failover");
      figures.push(`failover to ${replicaShort} in ${switched.seconds.toFixed(1)} s`);

      await rebuildOn(dbPrimaryShort);
      const dbNames = new Set([dbPrimaryShort, replicaShort]);
      for (const app of ctx.spec.nodes.map((n) => shortNodeName(stack, n.name)).filter((n) => !dbNames.has(n))) await rebuildOn(app);

      load.phase("tidy up");
      for (const k of Object.keys(nodeImages)) delete nodeImages[k];
      edits["shop:image"] = newImage;
      const tidied = replan("image");
      check(tidied.length === 0, `shop:image ${newImage} without shop:nodeImages changes the image of ${tidied.join(", ")}`);

      load.phase("shopware line");
      edits["shop:shopwareVersion"] = target.shopware.version;
      check(replan("version").length === 0, "raising shop:shopwareVersion changes a server's image");
      await convergeAll(ctx.topo, ctx.key, ctx.secrets, () => {});
      const id = `upgrade-${target.shopware.version}`;
      await deployInLab(ctx.spec, ctx.topo, ctx.key, buildStandInRelease(path.join(ctx.names.runDir, "releases", id), ctx.spec, { label: id }), id, (l) => ctx.log(l));
      load.phase("end");
      await sleep(2000);
    } finally {
      await load.stop();
    }

    // Every acknowledged write is on the primary; none failed outside the failover.
    const failedOutside = load.writes.filter((w) => !w.ok && w.phase !== "failover");
    const byPhase = [...new Set(failedOutside.map((w) => w.phase))].map((p) => `${p}: ${failedOutside.filter((w) => w.phase === p).length}`);
    check(
      failedOutside.length === 0,
      `${failedOutside.length} write(s) failed outside the failover (${byPhase.join(", ")}): ${failedOutside.slice(0, 3).map((w) => `at ${w.at.toFixed(1)} s: ${w.detail}`).join("; ")}`,
    );
    const acked = load.writes.filter((w) => w.ok).length;
    const primary = dbPrimary(ctx.spec).name;
    const stored = Number(inHostOk(ctx, primary, ["mariadb", "--batch", "--skip-column-names", "-e", `SELECT COUNT(*) FROM ${SHOP_DB_NAME}.lab_standin WHERE token LIKE 'up-%'`]).stdout.trim());
    check(stored >= acked, `${acked} writes were acknowledged, ${stored} are on ${primary}`);

    const converged = await convergeAll(ctx.topo, ctx.key, ctx.secrets, () => {});
    const changed = converged.filter((c) => !/shop-apply: no changes$/m.test(c.output)).map((c) => c.host);
    check(changed.length === 0, `a converge after the upgrade still changed ${changed.join(", ")}`);
    const verified = await onCallCli(ctx, "verify-hosts", []);
    check(verified.status === 0, `verify-hosts after the upgrade: exit ${verified.status}: ${(verified.stdout + verified.stderr).trim().split("\n").slice(-6).join(" | ")}`);
    const failovers = load.writes.filter((w) => w.phase === "failover");

    return (
      `${ctx.spec.nodes.length} servers moved from ${UPGRADE_FROM.image} / ${UPGRADE_FROM.shopwareVersion} to ${newImage} / ${target.shopware.version} in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${figures.join("; ")}; ` +
      `${acked} writes acknowledged through the LB and all on ${primary}, ${failovers.filter((w) => !w.ok).length} of ${failovers.length} refused during the failover, 0 failed otherwise; ` +
      `verify-hosts passed every host on ${suite}; the last converge changed nothing`
    );
  },
};

/** Until the LB stand-in has the host UP again (rise checks after its deploy), bounded. */
async function waitUntilUp(ctx: LabContext, host: string): Promise<void> {
  for (let i = 0; i < 120; i++, await sleep(500)) if ((await backendStates(ctx.names))[host] === "UP") return;
  throw new Error(`${host} is not UP in the LB 60 s after its deploy`);
}
