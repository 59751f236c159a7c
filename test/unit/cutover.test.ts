import assert from "node:assert/strict";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { test, TestContext } from "node:test";
import { evaluateChecklist } from "../../components/checklist";
import { stackFilePath } from "../../components/config";
import { stackRecords } from "../../scripts/lib/stackRecords";
import { latestCutover, writeCutoverRecord, CutoverRecord } from "../../scripts/lib/cutover/record";
import { cutover, CutoverContext, CutoverError, originTest } from "../../scripts/lib/cutover/run";
import { fetchShop, ProbeResult, Sample, summarizeSwitch } from "../../scripts/lib/cutover/watch";
import { specFromText, withDnsTarget } from "../../scripts/lib/stackEdit";
import { contextOf, demoPlan, demoSpec, row } from "../helpers/checklist";
import { stackSpec, STACKS_DIR } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

const OLD_HOST = "198.51.100.80";
const demo = stackSpec("demo");
const node = demo.nodes.find((n) => n.roles.includes("app"))!.name;

const sample = (resolver: string, t: number, arrived: boolean): Sample => ({ resolver, t, arrived, answer: { status: 200, servedBy: arrived ? node : null } });

test("a resolver has switched when its last `stable` polls all came from the new origin; the slowest one is the figure", () => {
  const samples = [
    sample("a", 0, false),
    sample("a", 1, true),
    sample("a", 2, true),
    sample("a", 3, true),
    sample("b", 0, false),
    sample("b", 1, true),
    sample("b", 2, false),
    sample("b", 3, true),
    sample("b", 4, true),
    sample("b", 5, true),
  ];
  const s = summarizeSwitch(samples, ["a", "b"], 3);
  assert.equal(s.done, true);
  assert.deepEqual(s.perResolver.map((p) => p.switchedAfter), [1, 3], "b flipped back at 2 s: its switch counts from 3 s");
  assert.equal(s.switchedAfter, 3);
  assert.equal(s.lastOld?.resolver, "b");
  assert.equal(s.lastOld?.t, 2);
  const short = summarizeSwitch(samples.slice(0, 8), ["a", "b"], 3);
  assert.equal(short.done, false, "b has one new answer after its last old one: not yet");
  assert.equal(short.perResolver[1].switchedAfter, null);
  assert.equal(summarizeSwitch([], ["a"], 1).done, false, "a resolver never polled has not switched");
});

test("the new origin is one of the stack's app nodes; a rollback's destination is anything else that serves the shop", () => {
  const toLb = originTest(demo, "lb");
  const toOld = originTest(demo, OLD_HOST);
  assert.equal(toLb({ status: 200, servedBy: node }), true);
  assert.equal(toLb({ status: 200, servedBy: null }), false);
  assert.equal(toLb({ status: 200, servedBy: "old-web-01" }), false);
  assert.equal(toLb({ status: 502, servedBy: node }), false, "an error page is not the shop");
  assert.equal(toOld({ status: 200, servedBy: null }), true);
  assert.equal(toOld({ status: 200, servedBy: node }), false);
});

test("withDnsTarget sets shop:dns.target and keeps every comment and other key", () => {
  const text = fs.readFileSync(stackFilePath(STACKS_DIR, "demo"), "utf8");
  const moved = withDnsTarget(text, OLD_HOST);
  assert.equal(specFromText("demo")(moved).dns.target, OLD_HOST);
  assert.equal(specFromText("demo")(moved).dns.proxied, true);
  for (const line of text.split("\n").filter((l) => l.trim().startsWith("#"))) assert.ok(moved.includes(line.trim()), `kept: ${line}`);
  assert.equal(specFromText("demo")(withDnsTarget(moved, "lb")).dns.target, "lb");
});

interface FakeWorld {
  ctx: CutoverContext;
  stackFile: string;
  applied: () => number;
  log: string[];
}

/** A cutover context on a copy of the demo stack: the destination and the resolvers answer as `answers` says. */
function fakeWorld(t: TestContext, target: string, opts: { precheckOk?: boolean; switchAfterApply?: boolean } = {}): FakeWorld {
  const dir = tempDir(t);
  const stackFile = path.join(dir, "Pulumi.demo.yaml");
  fs.writeFileSync(stackFile, withDnsTarget(fs.readFileSync(stackFilePath(STACKS_DIR, "demo"), "utf8"), target));
  let applies = 0;
  let pointsAt = target;
  const log: string[] = [];
  const probe = async (): Promise<ProbeResult> => ({ address: "192.0.2.10", answer: { status: 200, servedBy: pointsAt === "lb" ? node : null } });
  const ctx: CutoverContext = {
    stackFile,
    specOf: specFromText("demo"),
    precheck: async (dest) => ({ ok: opts.precheckOk ?? true, lines: [`asked ${dest}`] }),
    apply: async () => {
      applies++;
      if (opts.switchAfterApply ?? true) pointsAt = specFromText("demo")(fs.readFileSync(stackFile, "utf8")).dns.target;
    },
    applyCommand: "the fake provider",
    resolvers: ["r1", "r2"],
    probe,
    recordDir: path.join(dir, "cutover"),
    watch: { intervalMs: 5, timeoutMs: 300, stable: 3 },
    log: (l) => log.push(l),
  };
  return { ctx, stackFile, applied: () => applies, log };
}

test("a precheck that fails changes nothing: the stack file and the records stay as they were", async (t) => {
  const w = fakeWorld(t, OLD_HOST, { precheckOk: false });
  const before = fs.readFileSync(w.stackFile, "utf8");
  await assert.rejects(cutover(w.ctx, { rollback: false, review: false }), CutoverError);
  assert.equal(fs.readFileSync(w.stackFile, "utf8"), before);
  assert.equal(w.applied(), 0);
  assert.equal(fs.existsSync(w.ctx.recordDir), false);
});

test("cutover flips the stack file to lb, applies, watches until every resolver answers from the app nodes, and records it; --rollback goes back to where it came from", async (t) => {
  const w = fakeWorld(t, OLD_HOST);
  const r = await cutover(w.ctx, { rollback: false, review: false });
  assert.equal(r.ok, true, r.summary);
  assert.equal(specFromText("demo")(fs.readFileSync(w.stackFile, "utf8")).dns.target, "lb");
  assert.equal(w.applied(), 1);
  assert.equal(r.record?.from, OLD_HOST);
  assert.equal(r.record?.perResolver.length, 2);
  assert.ok(r.record!.perResolver.every((p) => p.switchedAfter !== null));
  assert.match(r.summary, /cutover done: every answer through 2 resolvers comes from lb/);
  assert.equal(latestCutover(w.ctx.recordDir, "lb")?.from, OLD_HOST);

  const back = await cutover(w.ctx, { rollback: true, review: false });
  assert.equal(back.ok, true, back.summary);
  assert.equal(specFromText("demo")(fs.readFileSync(w.stackFile, "utf8")).dns.target, OLD_HOST, "the address the cutover came from");
  assert.equal(back.record?.to, OLD_HOST);
  assert.equal(fs.readdirSync(w.ctx.recordDir).length, 2, "one record each");
});

test("a switch that does not happen within the watch is recorded as failed, names the resolvers and says how to go back", async (t) => {
  const w = fakeWorld(t, OLD_HOST, { switchAfterApply: false });
  const r = await cutover(w.ctx, { rollback: false, review: false });
  assert.equal(r.ok, false);
  assert.match(r.summary, /cutover NOT done/);
  assert.match(r.summary, /r1: not switched/);
  assert.match(r.summary, /--rollback/);
  assert.equal(latestCutover(w.ctx.recordDir)?.ok, false);
  assert.equal(latestCutover(w.ctx.recordDir, "lb"), undefined, "a failed cutover is no rollback source");
});

test("--review checks the destination and prints the one-line change; the stack file stays", async (t) => {
  const w = fakeWorld(t, OLD_HOST);
  const before = fs.readFileSync(w.stackFile, "utf8");
  const r = await cutover(w.ctx, { rollback: false, review: true });
  assert.equal(r.ok, true);
  assert.equal(fs.readFileSync(w.stackFile, "utf8"), before);
  assert.equal(w.applied(), 0);
  assert.ok(w.log.some((l) => l.includes("target: lb")), w.log.join("\n"));
});

test("refused before anything is asked: a cutover of a stack already on lb, a rollback with nowhere recorded to go, a rollback to a private address", async (t) => {
  const onLb = fakeWorld(t, "lb");
  await assert.rejects(cutover(onLb.ctx, { rollback: false, review: false }), /already lb/);
  await assert.rejects(cutover(onLb.ctx, { rollback: true, review: false }), /no earlier cutover is recorded/);
  await assert.rejects(cutover(onLb.ctx, { rollback: true, to: "10.0.0.5", review: false }), /--to: found "10.0.0.5"; allowed: lb, or a public/);
  const onOld = fakeWorld(t, OLD_HOST);
  await assert.rejects(cutover(onOld.ctx, { rollback: true, review: false }), /already points at the old host/);
  assert.equal(onLb.applied() + onOld.applied(), 0);
});

test("cutover records are read as untrusted: a record out of shape is skipped, never quoted", (t) => {
  const dir = tempDir(t);
  const good: CutoverRecord = { stack: "demo", at: "2026-12-01T10:00:00.000Z", from: OLD_HOST, to: "lb", ok: true, applySeconds: 2, switchedAfter: 3, perResolver: [{ resolver: "1.1.1.1", switchedAfter: 3, samples: 9 }], lastOld: null };
  writeCutoverRecord(dir, good);
  fs.writeFileSync(path.join(dir, "2026-12-02T10-00-00Z.json"), JSON.stringify({ ...good, at: "2026-12-02T10:00:00.000Z", from: "../../etc/passwd" }));
  fs.writeFileSync(path.join(dir, "2026-12-03T10-00-00Z.json"), "{not json");
  fs.writeFileSync(path.join(dir, "notes.json"), JSON.stringify(good));
  const latest = latestCutover(dir, "lb");
  assert.equal(latest?.file, "2026-12-01T10-00-00.000Z.json");
  assert.equal(latest?.from, OLD_HOST);
});

test("fetchShop reads the status and X-Served-By of a real HTTP answer, with the shop's name as Host", async (t) => {
  const hosts: string[] = [];
  const server = http.createServer((req, res) => {
    hosts.push(String(req.headers.host));
    res.writeHead(200, req.url === "/old" ? {} : { "X-Served-By": node });
    res.end("shop");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const at = (p: string) => fetchShop({ address: "127.0.0.1", port, hostname: demo.primaryHost, path: p, tls: false, timeoutMs: 2000 });
  assert.deepEqual(await at("/"), { status: 200, servedBy: node });
  assert.deepEqual(await at("/old"), { status: 200, servedBy: null });
  assert.deepEqual(hosts, [demo.primaryHost, demo.primaryHost]);
});

test("the audit's OPS-4 quotes the newest switch with its time per resolver; one that did not complete, or a stack file that disagrees with it, fails", (t) => {
  const spec = demoSpec();
  const dir = tempDir(t);
  const base: CutoverRecord = { stack: "demo", at: "2026-12-01T10:00:00.000Z", from: OLD_HOST, to: "lb", ok: true, applySeconds: 2, switchedAfter: 3.4, perResolver: [{ resolver: "1.1.1.1", switchedAfter: 3.4, samples: 9 }, { resolver: "8.8.8.8", switchedAfter: 2.1, samples: 9 }], lastOld: null };
  const ops4 = () => row(evaluateChecklist({ ...contextOf(demoPlan().resources, spec), ...stackRecords(dir, spec) }), "OPS-4");
  assert.doesNotMatch(ops4().evidence.map((e) => e.en).join("\n"), /last switch/, "no record: nothing quoted");
  writeCutoverRecord(path.join(dir, "cutover"), base);
  const done = ops4();
  assert.equal(done.status, "pass", done.problems.map((p) => p.en).join("\n"));
  assert.match(done.evidence.map((e) => e.en).join("\n"), /last switch: 198\.51\.100\.80 → lb at 2026-12-01T10:00:00.000Z \(out\/demo\/cutover\/2026-12-01T10-00-00.000Z.json\): every answer from lb 3\.4 s after the flip \(1\.1\.1\.1 3\.4 s, 8\.8\.8\.8 2\.1 s\)/);
  assert.match(done.evidence.map((e) => e.de).join("\n"), /jede Antwort von lb 3,4 s nach dem Umstellen/);
  writeCutoverRecord(path.join(dir, "cutover"), { ...base, at: "2026-12-01T11:00:00.000Z", ok: false, switchedAfter: null, perResolver: [{ resolver: "1.1.1.1", switchedAfter: null, samples: 600 }] });
  const failed = ops4();
  assert.equal(failed.status, "fail");
  assert.match(failed.problems.map((p) => p.en).join("\n"), /the last switch to lb \(2026-12-01T11:00:00.000Z\) did not complete/);
  writeCutoverRecord(path.join(dir, "cutover"), { ...base, at: "2026-12-01T12:00:00.000Z", from: "lb", to: OLD_HOST });
  assert.match(ops4().problems.map((p) => p.en).join("\n"), /the stack file says shop:dns.target lb, but the last recorded switch went to 198\.51\.100\.80/);
});
