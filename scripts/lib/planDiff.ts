import * as fs from "fs";
import * as path from "path";
import type { PlannedResource } from "./mocks";
import type { Plan } from "./offlinePlan";

/** One input that differs, by its path inside the resource's inputs (rules[2].sourceIps[0]). */
export interface InputChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface PlanDiff {
  created: PlannedResource[];
  deleted: PlannedResource[];
  changed: { resource: PlannedResource; inputs: InputChange[] }[];
  /** Host → files (relative to out/<stack>/hosts/<host>/) added, removed or changed. */
  hostFiles: Map<string, { added: string[]; removed: string[]; changed: string[] }>;
}

const keyOf = (r: PlannedResource) => `${r.type}::${r.name}`;

function flatten(value: unknown, at: string, out: Map<string, unknown>): void {
  if (Array.isArray(value)) {
    if (!value.length) out.set(at, []);
    value.forEach((v, i) => flatten(v, `${at}[${i}]`, out));
  } else if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (!entries.length) out.set(at, {});
    for (const [k, v] of entries) flatten(v, at ? `${at}.${k}` : k, out);
  } else out.set(at, value);
}

export function inputChanges(before: Record<string, unknown>, after: Record<string, unknown>): InputChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(before, "", a);
  flatten(after, "", b);
  const changes: InputChange[] = [];
  for (const p of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(p);
    const y = b.get(p);
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    changes.push({ path: p, ...(a.has(p) ? { before: x } : {}), ...(b.has(p) ? { after: y } : {}) });
  }
  return changes;
}

/** The effect of an edit: resources created, deleted and changed (with their inputs), host files per host. */
export function diffPlans(before: Plan | undefined, after: Plan, beforeFiles: Map<string, string>, afterFiles: Map<string, string>): PlanDiff {
  const old = new Map((before?.resources ?? []).map((r) => [keyOf(r), r]));
  const now = new Map(after.resources.map((r) => [keyOf(r), r]));
  const changed: PlanDiff["changed"] = [];
  for (const [k, r] of now) {
    const o = old.get(k);
    if (!o) continue;
    const inputs = inputChanges(o.inputs, r.inputs);
    if (JSON.stringify(o.options ?? {}) !== JSON.stringify(r.options ?? {})) inputs.push({ path: "(options)", before: o.options, after: r.options });
    if (inputs.length) changed.push({ resource: r, inputs });
  }
  const hostFiles: PlanDiff["hostFiles"] = new Map();
  const entry = (host: string) => {
    if (!hostFiles.has(host)) hostFiles.set(host, { added: [], removed: [], changed: [] });
    return hostFiles.get(host)!;
  };
  const split = (rel: string) => {
    const [, host, ...rest] = rel.split("/");
    return { host, file: rest.join("/").replace(/^bundle\//, "/") };
  };
  for (const [rel, content] of afterFiles) {
    if (!rel.startsWith("hosts/")) continue;
    const { host, file } = split(rel);
    if (!beforeFiles.has(rel)) entry(host).added.push(file);
    else if (beforeFiles.get(rel) !== content) entry(host).changed.push(file);
  }
  for (const rel of beforeFiles.keys())
    if (rel.startsWith("hosts/") && !afterFiles.has(rel)) {
      const { host, file } = split(rel);
      entry(host).removed.push(file);
    }
  return {
    created: [...now].filter(([k]) => !old.has(k)).map(([, r]) => r),
    deleted: [...old].filter(([k]) => !now.has(k)).map(([, r]) => r),
    changed,
    hostFiles,
  };
}

function show(value: unknown): string {
  const text = value === undefined ? "(none)" : JSON.stringify(value);
  return text.length > 72 ? `${text.slice(0, 69)}...` : text;
}

/** What --diff prints. */
export function renderDiff(d: PlanDiff, since: string | undefined): string {
  if (since === undefined) return "Changes: no earlier plan of this stack in the output directory, so nothing to compare (this plan is the base of the next --diff).\n";
  const lines = [`Changes since the last plan (${since}):`];
  const nothing = !d.created.length && !d.deleted.length && !d.changed.length && !d.hostFiles.size;
  if (nothing) lines.push("  none: the same resources, inputs and host files");
  for (const r of d.created) lines.push(`  + create  ${r.type}  ${r.name}`);
  for (const r of d.deleted) lines.push(`  - delete  ${r.type}  ${r.name}`);
  for (const { resource, inputs } of d.changed) {
    lines.push(`  ~ change  ${resource.type}  ${resource.name}`);
    for (const c of inputs) lines.push(`      ${c.path}: ${show(c.before)} → ${show(c.after)}`);
  }
  if (d.hostFiles.size) lines.push("", "Host files:");
  for (const [host, f] of [...d.hostFiles].sort((a, b) => a[0].localeCompare(b[0]))) {
    lines.push(`  ${host}:`);
    for (const x of f.added) lines.push(`    + ${x}`);
    for (const x of f.removed) lines.push(`    - ${x}`);
    for (const x of f.changed) lines.push(`    ~ ${x}`);
  }
  return lines.join("\n") + "\n";
}

/** The previous plan of a stack as written to out/<stack>/: plan.json and every host file. */
export function readPreviousPlan(outDir: string): { plan?: Plan; files: Map<string, string>; writtenAt?: string } {
  const files = new Map<string, string>();
  const planFile = path.join(outDir, "plan.json");
  if (!fs.existsSync(planFile)) return { files };
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else files.set(r, fs.readFileSync(path.join(dir, e.name), "utf8"));
    }
  };
  if (fs.existsSync(path.join(outDir, "hosts"))) walk(path.join(outDir, "hosts"), "hosts");
  return { plan: JSON.parse(fs.readFileSync(planFile, "utf8")) as Plan, files, writtenAt: fs.statSync(planFile).mtime.toISOString() };
}
