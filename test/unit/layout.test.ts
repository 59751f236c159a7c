import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "fs";
import * as path from "path";

/** The layout's rules (README "Layout"): imports run pure model → pure renderers → cloud wiring. */
const ROOT = path.join(__dirname, "..", "..", "components");
const PURE = ["config", "hostconfig", "security", "checklist", "runbook"];

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** Every import specifier of a file, relative ones resolved to the file they load. */
function importsOf(file: string): { relative: string[]; packages: string[] } {
  const src = fs.readFileSync(file, "utf8");
  const relative: string[] = [];
  const packages: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|\brequire\("([^"]+)"\)|\bimport\("([^"]+)"\)/g)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith(".")) { packages.push(spec); continue; }
    const base = path.resolve(path.dirname(file), spec);
    const target = [`${base}.ts`, path.join(base, "index.ts")].find((c) => fs.existsSync(c));
    assert.ok(target, `${path.relative(ROOT, file)} imports ${spec}, which is no .ts file`);
    relative.push(target);
  }
  return { relative, packages };
}

const files = tsFiles(ROOT);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const folderOf = (f: string) => path.relative(ROOT, f).split(path.sep)[0];

test("no relative import circle under components/", () => {
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (f: string, stack: string[]) => {
    state.set(f, "open");
    for (const next of graph.get(f)!.relative) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].map((x) => path.relative(ROOT, x)).join(" → "));
      else if (!state.has(next)) visit(next, [...stack, next]);
    }
    state.set(f, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f, [f]);
  assert.deepEqual(cycles, []);
});

test("pure folders never import cloud/ or a Pulumi SDK; config/ imports none of the others", () => {
  const wrong: string[] = [];
  for (const [file, { relative, packages }] of graph) {
    const from = folderOf(file);
    if (!PURE.includes(from)) continue;
    for (const target of relative) {
      const to = folderOf(target);
      if (to === "cloud" || (from === "config" && to !== "config")) wrong.push(`${path.relative(ROOT, file)} → ${path.relative(ROOT, target)}`);
    }
    for (const pkg of packages) if (pkg.startsWith("@pulumi/")) wrong.push(`${path.relative(ROOT, file)} → ${pkg}`);
  }
  assert.deepEqual(wrong, []);
});

test("the root of components/ holds folders only", () => {
  const loose = fs.readdirSync(ROOT, { withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => e.name);
  assert.deepEqual(loose, []);
  assert.ok(files.some((f) => folderOf(f) === "cloud") && files.some((f) => folderOf(f) === "config"), "cloud/ and config/ exist");
});
