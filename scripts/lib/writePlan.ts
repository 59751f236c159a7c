import * as fs from "fs";
import * as path from "path";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { auditFiles } from "./auditFiles";
import { stackOutDir } from "./outDir";
import type { OfflineRun } from "./offlinePlan";

const SERVER_TYPE = "hcloud:index/server:Server";

/** Every file the offline plan writes, relative to out/<stack>/. */
export function planFiles(run: OfflineRun): Map<string, string> {
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
  for (const [rel, content] of auditFiles(run)) files.set(rel, content);
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
