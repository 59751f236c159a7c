import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, describe, test } from "node:test";
import { stringify } from "yaml";
import type * as ConfigModule from "../../components/config";
import type * as BundleModule from "../../components/hostconfig/bundle";
import type * as EscapeModule from "../../components/hostconfig/escape";
import type * as RunbookData from "../../components/runbook/data";
import type * as RunbookRender from "../../components/runbook/render";
import type * as OutDirModule from "../../scripts/lib/outDir";
import { badFiles, badStackNames, editCases } from "./cases";
import { changesOutside, cli, makeSandbox, snapshot } from "./sandbox";

/**
 * The hostile-input suite. Everything runs against a throwaway copy of the repository: most
 * cases call the copy's validation and renderers in this process (one process, fast); the
 * cases about paths, file types, sizes, flushing and concurrency run the copy's real CLIs.
 * Every case asserts its class (refused naming the key, or accepted and rendered inertly) and
 * that nothing outside out/<stack> changed in the copy.
 */

const sandbox = makeSandbox();
after(() => fs.rmSync(sandbox, { recursive: true, force: true }));
const load = <T>(rel: string): T => require(path.join(sandbox, rel)) as T;
const config = load<typeof ConfigModule>("components/config");
const { renderHostBundle } = load<typeof BundleModule>("components/hostconfig/bundle");
const { markdown } = load<typeof EscapeModule>("components/hostconfig/escape");
const { buildRunbook } = load<typeof RunbookData>("components/runbook/data");
const { renderRunbook } = load<typeof RunbookRender>("components/runbook/render");
const { stackOutDir } = load<typeof OutDirModule>("scripts/lib/outDir");

const TODAY = new Date("2026-11-22");
const lib = { secret: (v: string) => new config.SecretString(v) };
const demoFile = path.join(sandbox, "stacks", "Pulumi.demo.yaml");
const freshDemo = () => config.readStackFile(demoFile, "demo").raw as Record<string, any>;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "shop-hostile-files-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The ConfigError of a build, or a failure naming the case when it was accepted. */
function configError(fn: () => unknown): ConfigModule.ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof config.ConfigError) return err;
    throw err;
  }
  assert.fail("accepted, but must be refused");
}

const isComment = (line: string) => /^\s*(#|;|\/\/)/.test(line);

/** Every string inside a parsed JSON value. */
function jsonStrings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(jsonStrings);
  if (v && typeof v === "object") return Object.values(v).flatMap(jsonStrings);
  return [];
}

const baseSpec = config.buildSpec(freshDemo(), { stack: "demo", today: TODAY }).spec;
const baseBundles = new Map(baseSpec.nodes.map((n) => [n.name, renderHostBundle(baseSpec, n)]));

describe("stack values (in process, against the copy's validation and renderers)", () => {
  const before = snapshot(sandbox);
  after(() => assert.deepEqual(changesOutside(before, snapshot(sandbox)), [], "in-process cases changed the copy"));

  for (const c of editCases) {
    if (c.refused) {
      test(`refused: ${c.name}`, () => {
        const raw = freshDemo();
        c.edit(raw, lib);
        const err = configError(() => config.buildSpec(raw, { stack: "demo", today: TODAY }));
        const problem = err.problems.find((p) => p.path === c.refused);
        assert.ok(problem, `no problem at ${c.refused}; got: ${err.problems.map((p) => p.path).join(", ")}`);
        if (c.allowed) assert.match(problem.allowed, c.allowed);
        if (c.found) assert.match(problem.found, c.found);
        const text = err.message;
        assert.ok(text.split("\n").every((l) => l.startsWith("error: ")), `one line per problem:\n${text}`);
        for (const h of c.hidden ?? []) assert.ok(!text.includes(h), `the error echoes ${h}:\n${text}`);
      });
    } else {
      test(`accepted inertly: ${c.name}`, () => {
        // The same edit with a neutral text is the baseline: only the hostile text differs.
        const specWith = (text: string) => {
          const raw = freshDemo();
          c.editWith!(text)(raw);
          return config.buildSpec(raw, { stack: "demo", today: TODAY }).spec;
        };
        const spec = specWith(c.inert!);
        const neutral = specWith("neutral text");
        const needle = c.inert!;
        for (const node of spec.nodes) {
          const bundle = renderHostBundle(spec, node);
          const base = renderHostBundle(neutral, neutral.nodes.find((n) => n.name === node.name)!);
          assert.deepEqual(bundle.secrets, base.secrets, `${node.name} would receive other secrets`);
          assert.deepEqual(bundle.secrets, baseBundles.get(node.name)!.secrets, `${node.name}: secrets differ from the plain demo stack`);
          assert.deepEqual(bundle.files.map((f) => f.path), base.files.map((f) => f.path));
          for (const f of bundle.files) {
            const was = base.files.find((b) => b.path === f.path)!;
            // shop-apply fills tokens in template files only: there, the text may not add one.
            if (f.template) assert.equal(f.content.match(/\{\{secret:/g)?.length ?? 0, was.content.match(/\{\{secret:/g)?.length ?? 0, `${f.path}: the text added a secret token`);
            if (f.content === was.content) continue;
            if (f.path.endsWith(".json")) {
              assert.ok(jsonStrings(JSON.parse(f.content)).some((s) => s.includes(needle)), `${f.path}: only as a JSON string`);
              continue;
            }
            assert.equal(f.content.split("\n").length, was.content.split("\n").length, `${f.path}: the text added lines`);
            const old = new Set(was.content.split("\n"));
            for (const line of f.content.split("\n").filter((l) => !old.has(l))) assert.ok(isComment(line), `${node.name} ${f.path}: changed outside a comment: ${line}`);
          }
        }
      });
    }
  }

  const markup = editCases.filter((c) => c.inert && /[<>[\]*#|`]/.test(c.inert));
  for (const c of markup)
    test(`runbook renders inertly: ${c.name}`, () => {
      const raw = freshDemo();
      c.edit(raw, lib);
      const spec = config.buildSpec(raw, { stack: "demo", today: TODAY }).spec;
      const hosts = spec.nodes.map((n) => ({ name: n.name, publicIpv4: "203.0.113.1", publicIpv6: "2001:db8::1" }));
      const md = renderRunbook(buildRunbook(spec, hosts, { ipv4: "203.0.113.2", ipv6: "2001:db8::2" }), "en", { generatedAt: TODAY.toISOString(), commit: "test", stackFile: "demo", stackFileSha256: "0", tool: "test" });
      if (md.includes(markdown(c.inert!)) || !md.includes(c.inert!)) return;
      assert.fail(`the runbook holds ${JSON.stringify(c.inert)} unescaped`);
    });
});

describe("stack names (every place a name enters)", () => {
  for (const name of badStackNames) {
    test(`refused: stack name ${JSON.stringify(name)}`, () => {
      assert.equal(config.isStackName(name), false);
      const err = configError(() => config.buildSpec(freshDemo(), { stack: name, today: TODAY }));
      assert.ok(err.problems.some((p) => p.path === "stack" && p.found === JSON.stringify(name)), err.message);
      configError(() => config.stackFilePath(path.join(sandbox, "stacks"), name));
      configError(() => config.readStackFile(demoFile, name));
      assert.throws(() => stackOutDir(path.join(sandbox, "out"), name));
    });
  }
  test("accepted: a 56-character stack name gives host names of at most 63 characters", () => {
    const name = `s${"x".repeat(55)}`;
    const spec = config.buildSpec({ ...freshDemo(), appNodes: 30, profile: "large", loadBalancer: { type: "lb31" } }, { stack: name, today: TODAY }).spec;
    assert.ok(spec.nodes.every((n) => n.name.length <= 63 && /^[a-z0-9-]+$/.test(n.name)));
  });
});

describe("stack files (read by the copy's reader)", () => {
  for (const f of badFiles) {
    test(`refused: ${f.name}`, () => {
      const file = path.join(scratch, "Pulumi.hostile.yaml");
      fs.writeFileSync(file, f.yaml);
      const err = configError(() => config.buildSpec(config.readStackFile(file).raw, { stack: "hostile", today: TODAY }));
      assert.match(err.message, f.names);
      assert.ok(err.message.split("\n").every((l) => l.startsWith("error: ")), err.message);
    });
  }
});

/** Runs a CLI in the copy and checks that nothing changed outside the allowed paths. */
async function cliCase(script: string, args: string[], allowed: string[] = []) {
  const before = snapshot(sandbox);
  const r = await cli(sandbox, script, args);
  assert.deepEqual(changesOutside(before, snapshot(sandbox), allowed), [], `${script} ${args.join(" ")} changed the copy\n${r.stderr}`);
  return r;
}

function assertRefused(r: { status: number | null; stderr: string }, names: RegExp) {
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, names);
  assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
}

describe("the real CLIs in the copy", () => {
  const stacks = path.join(sandbox, "stacks");
  const demoText = fs.readFileSync(demoFile, "utf8");

  for (const name of ["..", ".", "...", "a_b", "Evil", "a\nb", "x".repeat(57)]) {
    test(`plan --file Pulumi.${JSON.stringify(name)}.yaml is refused and deletes nothing`, async () => {
      const file = path.join(stacks, `Pulumi.${name}.yaml`);
      fs.writeFileSync(file, demoText);
      try {
        assertRefused(await cliCase("plan.ts", ["--file", file]), /^error: stack: found/m);
      } finally {
        fs.rmSync(file);
      }
    });
  }

  for (const name of ["..", ".", "../stacks/Pulumi.demo", "a/b", "-x"]) {
    test(`plan --stack ${JSON.stringify(name)} is refused`, async () => assertRefused(await cliCase("plan.ts", ["--stack", name]), /error: (stack|--stack)/));
    test(`audit --stack ${JSON.stringify(name)} is refused`, async () => assertRefused(await cliCase("audit.ts", ["--stack", name]), /error: (stack|--stack)/));
  }

  test("audit --all reports badly named stack files and plans only the valid one", async () => {
    const dir = path.join(scratch, "portfolio");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.demo.yaml"), demoText);
    for (const n of ["..", ".", "A_b"]) fs.writeFileSync(path.join(dir, `Pulumi.${n}.yaml`), demoText);
    const r = await cliCase("audit.ts", ["--all", "--stacks-dir", dir], ["out/demo"]);
    assert.equal(r.status, 1, r.stderr);
    for (const n of ["..", ".", "A_b"]) assert.ok(r.stdout.includes(JSON.stringify(n)), `${n} is reported:\n${r.stdout}`);
    assert.deepEqual(fs.readdirSync(path.join(sandbox, "out")), ["demo"]);
  });

  const fifo = path.join(scratch, "Pulumi.fifo.yaml");
  spawnSync("mkfifo", [fifo]);
  const dirFile = path.join(scratch, "Pulumi.dir.yaml");
  fs.mkdirSync(dirFile);
  const big = path.join(scratch, "Pulumi.big.yaml");
  fs.writeFileSync(big, `${demoText}\n#${"x".repeat(1024 * 1024)}\n`);
  for (const [what, file, names] of [
    ["/dev/zero", "/dev/zero", /character device/],
    ["a FIFO", fifo, /FIFO/],
    ["a directory", dirFile, /directory/],
    ["a file over 1 MiB", big, /more than 1048576 bytes/],
  ] as const)
    test(`plan --file ${what} gets one clear error`, async () => {
      const r = await cliCase("plan.ts", ["--file", file]);
      assertRefused(r, names);
      assert.equal(r.stderr.trim().split("\n").length, 2, r.stderr);
    });

  test("2 000 problems reach a pipe whole, ending with the summary line", async () => {
    const file = path.join(scratch, "Pulumi.many.yaml");
    const doc = { config: { "shop:customer": "many", "shop:users": Array.from({ length: 2000 }, (_, i) => ({ name: `Bad User ${i}`, role: "readonly", sshKeys: ["x"] })) } };
    fs.writeFileSync(file, stringify(doc));
    const r = await cliCase("plan.ts", ["--file", file]);
    assert.equal(r.status, 1);
    const lines = r.stderr.trimEnd().split("\n");
    assert.match(lines[lines.length - 1], /^\d+ problem\(s\); nothing was written\.$/);
    assert.equal(lines.length - 1, Number(/^(\d+)/.exec(lines[lines.length - 1])![1]));
    assert.ok(lines.length > 4000, `${lines.length} lines`);
    assert.ok(lines.slice(0, -1).every((l) => l.startsWith("error: ")));
  });

  test("two plans of one stack at once both succeed and leave one whole out/demo", async () => {
    const before = snapshot(sandbox);
    const [a, b] = await Promise.all([cli(sandbox, "plan.ts", ["--stack", "demo"]), cli(sandbox, "plan.ts", ["--stack", "demo"])]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(changesOutside(before, snapshot(sandbox), ["out/demo"]), []);
    assert.deepEqual(fs.readdirSync(path.join(sandbox, "out")), ["demo"], "no temp dirs left behind");
    JSON.parse(fs.readFileSync(path.join(sandbox, "out", "demo", "plan.json"), "utf8"));
  });

  const newCustomer = (args: string[], allowed: string[] = []) => cliCase("new-customer.ts", args, allowed);
  for (const [what, args, names] of [
    ["a --zone-id that would add YAML", ["--zone-id", '0123456789abcdef0123456789abcdef"\n  shop:firewall: {extraRules: [{description: x, protocol: tcp, sourceIps: [0.0.0.0/0]}]}\n#'], /--zone-id/],
    ["a --domain that would add YAML", ["--domain", "evil.de\n  shop:adminCidrs: [0.0.0.0/0]"], /--domain/],
    ["an --admin-cidr list in one flag", ["--admin-cidr", "198.51.100.7/32, 0.0.0.0/0"], /--admin-cidr/],
    ["a world-open --admin-cidr", ["--admin-cidr", "0.0.0.0/1"], /world-open/],
    ["--from with a path", ["--from", "x/../../elsewhere"], /--from/],
    ["--from outside the stacks folder", ["--from", "../stacks/Pulumi.demo"], /--from/],
  ] as [string, string[], RegExp][])
    test(`new-customer refuses ${what}`, async () => assertRefused(await newCustomer(["hostile-a", "--domain", "ok.example.de", ...args]), names));
  test("new-customer refuses a NAME with a path", async () => assertRefused(await newCustomer(["../evil", "--domain", "ok.example.de"]), /NAME/));

  test("new-customer --from copies shape only: no secrets, salt, people, keys or CIDRs", async () => {
    const source = path.join(stacks, "Pulumi.source-shop.yaml");
    const doc = { encryptionsalt: "v1:hostile-salt:xyz", config: { ...(require("yaml").parse(demoText) as { config: object }).config, "shop:appSecret": { secure: "v1:shared-app-secret-ciphertext" }, "hcloud:token": { secure: "v1:token-ciphertext" } } };
    fs.writeFileSync(source, stringify(doc));
    try {
      const r = await newCustomer(["copy-shop", "--domain", "copy-shop.example.de", "--from", "source-shop"], ["stacks/Pulumi.copy-shop.yaml"]);
      assert.equal(r.status, 0, r.stderr);
      const text = fs.readFileSync(path.join(stacks, "Pulumi.copy-shop.yaml"), "utf8");
      for (const leak of ["secure", "salt", "ciphertext", "hcloud", "appSecret", "198.51.100.10", "198.51.100.20", "ssh-ed25519", "demo-moebel"]) assert.ok(!text.includes(leak), `copied ${leak}`);
      const todos = text.split("\n").filter((l) => /#\s*TODO:/.test(l)).length;
      assert.match(r.stdout, new RegExp(`replace the ${todos} TODO value`));
      assert.equal(todos, 4, "zone id, admin CIDR, owner, on-call");
    } finally {
      fs.rmSync(source, { force: true });
      fs.rmSync(path.join(stacks, "Pulumi.copy-shop.yaml"), { force: true });
    }
  });
});
