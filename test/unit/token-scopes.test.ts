import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { before, test } from "node:test";
import { readStackFile, stackFilePath } from "../../components/config";
import { allScopes, scopeOf, scopesFor } from "../../components/cloud/tokenScopes";
import { runOfflinePlan } from "../../scripts/lib/offlinePlan";
import { allStacks, planCli, ROOT, STACKS_DIR } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

/** Token scopes follow the resource types each stack declares, and nothing declared lacks one. */

const types = new Map<string, string[]>();
before(async () => {
  for (const stack of allStacks())
    types.set(stack, (await runOfflinePlan(readStackFile(stackFilePath(STACKS_DIR, stack), stack))).plan.resources.map((r) => r.type));
});

const scopeNames = (stack: string) => scopesFor(types.get(stack)!).map((s) => s.scope);

test("every Hetzner and Cloudflare resource type any stack declares has its token scope", () => {
  for (const [stack, list] of types)
    for (const type of new Set(list)) if (/^(hcloud|cloudflare):/.test(type)) assert.ok(scopeOf(type), `${stack}: ${type} has no scope in tokenScopes.ts`);
});

test("each stack needs the scopes of what it declares: zone settings after the cutover, WAF, health checks, notifications", () => {
  const always = ["project token, Read & Write", "Zone · DNS · Edit", "Zone · SSL and Certificates · Edit", "Zone · Zone · Read"];
  for (const stack of types.keys()) for (const s of always) assert.ok(scopeNames(stack).includes(s), `${stack} needs ${s}`);
  assert.ok(scopeNames("demo").includes("Zone · Zone Settings · Edit"), "demo is cut over (target lb)");
  const alpenhaus = scopeNames("alpenhaus");
  assert.ok(!alpenhaus.includes("Zone · Zone Settings · Edit"), "alpenhaus still points at its old host");
  for (const s of ["Zone · Zone WAF · Edit", "Zone · Health Checks · Edit", "Account · Notifications · Edit"]) assert.ok(alpenhaus.includes(s), `alpenhaus needs ${s}`);
  assert.ok(!scopeNames("demo").includes("Zone · Zone WAF · Edit"), "demo has no admin allow-list");
});

test("the plan prints the stack's scopes; the README lists every scope there is", (t) => {
  const r = planCli(["--stack", "alpenhaus"], tempDir(t));
  assert.equal(r.status, 0, r.stderr);
  const printed = r.stdout.slice(r.stdout.indexOf("Token scopes"));
  for (const s of scopesFor(types.get("alpenhaus")!)) assert.match(printed, new RegExp(`^  ${s.token} +${s.scope.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `, "m"));
  assert.match(printed, /cutover to dns\.target: lb adds Zone · Zone Settings · Edit/);
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  for (const s of allScopes()) assert.ok(readme.includes(s.scope), `README lists ${s.scope}`);
});
