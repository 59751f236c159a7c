import * as fs from "fs";
import * as path from "path";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { auditFiles } from "./auditFiles";
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

/** Writes out/<stack>/ whole or not at all: a temp dir renamed into place. */
export function writePlanDir(outRoot: string, stack: string, files: Map<string, string>): string {
  const target = path.join(outRoot, stack);
  const tmp = path.join(outRoot, `.${stack}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    for (const [rel, content] of files) {
      const dest = path.join(tmp, rel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, content);
    }
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return target;
}
