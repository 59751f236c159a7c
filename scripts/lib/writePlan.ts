import * as fs from "fs";
import * as path from "path";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import type { AuditReport } from "../../components/checklist/report";
import type { StackRecords } from "../../components/checklist";
import { isStackName, placeholderWarning, StackFile } from "../../components/config";
import { addNote } from "./cli";
import { auditFiles, auditOf, REPORT_FILES } from "./auditFiles";
import { stackOutDir } from "./outDir";
import { OfflineRun, runOfflinePlan } from "./offlinePlan";
import { provenanceOf } from "./provenance";
import { RECORD_DIRS, stackRecords } from "./stackRecords";

const SERVER_TYPE = "hcloud:index/server:Server";

/** Every file the offline plan writes, relative to out/<stack>/. */
export function planFiles(run: OfflineRun, report: AuditReport, records: StackRecords = {}): Map<string, string> {
  const files = new Map<string, string>();
  files.set("plan.json", JSON.stringify(run.plan, null, 2) + "\n");
  for (const node of run.spec.nodes) {
    const server = run.plan.resources.find((r) => r.type === SERVER_TYPE && r.inputs.name === node.name);
    if (!server || typeof server.inputs.userData !== "string") throw new Error(`the plan has no server ${node.name} with user data`);
    const hostDir = path.posix.join("hosts", node.name);
    files.set(path.posix.join(hostDir, "user-data.yaml"), server.inputs.userData);
    const bundle = renderHostBundle(run.spec, node);
    for (const f of bundle.files) files.set(path.posix.join(hostDir, "bundle", f.path), f.content);
    files.set(
      path.posix.join(hostDir, "bundle.json"),
      JSON.stringify({ host: bundle.host, hash: bundle.hash, files: bundle.files.map(({ content: _c, ...meta }) => meta) }, null, 2) + "\n",
    );
  }
  for (const [rel, content] of auditFiles(run, report, records)) files.set(rel, content);
  return files;
}

/** A fresh, uniquely named sibling of `dir` (same file system, so a rename is atomic). */
function uniqueSibling(dir: string, tag: string): string {
  return fs.mkdtempSync(path.join(path.dirname(dir), `.${path.basename(dir)}.${tag}-`));
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Writes out/<stack>/ whole or not at all: the files go to a unique temp dir, which replaces the
 * old directory by rename. Two plans of one stack at once each write their own temp dir; if the
 * other one renamed its result into place in between, this one moves it aside again and retries,
 * so the last writer wins and nobody sees ENOTEMPTY or a mix of both.
 */
export function writePlanDir(outRoot: string, stack: string, files: Map<string, string>): string {
  const target = stackOutDir(outRoot, stack);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = uniqueSibling(target, "tmp");
  try {
    // The records of what was done on the real stack (npm run verify-hosts, npm run cutover) are not the plan's: they stay.
    for (const kept of RECORD_DIRS) {
      const records = path.join(target, kept);
      if (fs.existsSync(records)) fs.cpSync(records, path.join(tmp, kept), { recursive: true });
    }
    for (const [rel, content] of files) {
      const dest = path.resolve(tmp, rel);
      if (!dest.startsWith(tmp + path.sep)) throw new Error(`refusing to write ${rel}: it leaves the stack's directory`);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, content);
    }
    for (let attempt = 1; ; attempt++) {
      const old = uniqueSibling(target, "old");
      try {
        fs.renameSync(target, old);
      } catch (err) {
        if (errorCode(err) !== "ENOENT") throw err;
      }
      try {
        fs.renameSync(tmp, target);
        return target;
      } catch (err) {
        if (!["ENOTEMPTY", "EEXIST"].includes(errorCode(err) ?? "") || attempt >= 50) throw err;
      } finally {
        fs.rmSync(old, { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * After a failed plan, the reports of the previous run would read as current: remove them (the
 * plan and host files stay, as the base of the next --diff). Returns what it removed.
 */
export function removeStaleReports(outRoot: string, stack: string): string[] {
  if (!isStackName(stack)) return [];
  const dir = stackOutDir(outRoot, stack);
  const removed = REPORT_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
  for (const f of removed) fs.rmSync(path.join(dir, f), { force: true });
  return removed.map((f) => path.join(dir, f));
}

/** Everything one plan of one stack produces, before it is written. */
export interface PlannedStack {
  run: OfflineRun;
  report: AuditReport;
  files: Map<string, string>;
  /** Each once: the stack file's, the program's, and one per placeholder value. */
  warnings: string[];
}

/**
 * Plans a stack file offline and renders every file out/<stack>/ gets, with this run's provenance;
 * the audit quotes the newest host verification and cutover found under outRoot.
 */
export async function planStack(stackFile: StackFile, outRoot?: string): Promise<PlannedStack> {
  const run = await runOfflinePlan(stackFile);
  const records = outRoot ? stackRecords(stackOutDir(outRoot, run.spec.stack), run.spec) : {};
  const report = auditOf(run, provenanceOf(stackFile.file), records);
  // Unset secrets are warned about when the file is read; the other placeholders here.
  const placeholders = report.placeholders.filter((f) => f.kind !== "unset-secret").map(placeholderWarning);
  const warnings = [...new Set([...stackFile.warnings, ...run.warnings, ...placeholders])];
  return { run, report, files: planFiles(run, report, records), warnings };
}

/**
 * Runs fn; when it throws, the previous reports of that stack are removed first, so nobody reads
 * them as current, and the error says so.
 */
export async function removingStaleReportsOnFailure<T>(outRoot: string, stack: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const removed = removeStaleReports(outRoot, stack);
    if (removed.length) {
      const note = `removed the previous run's reports of stack ${stack} (${removed.map((f) => path.basename(f)).join(", ")}): they no longer match the stack file`;
      addNote(err, note);
    }
    throw err;
  }
}
