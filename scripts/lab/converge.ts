import * as fs from "fs";
import * as path from "path";
import { AUTOMATION_USER } from "../../components/config";
import { hostSecretsEnv, LabSecrets } from "./secrets";
import { sshAsync, SshTarget } from "./ssh";
import type { LabHost } from "./topology";

interface PlanManifest {
  host: string;
  hash: string;
  files: { path: string }[];
}

/** The plan's bundle (bundle.json + bundle/<path>) as one self-contained bundle.json, as converge ships it. */
export function selfContainedFromPlan(host: LabHost): { json: string; hash: string } {
  const manifest = JSON.parse(fs.readFileSync(path.join(host.planDir, "bundle.json"), "utf8")) as PlanManifest;
  const files = manifest.files.map((f) => ({ ...f, content: fs.readFileSync(path.join(host.planDir, "bundle", f.path), "utf8") }));
  return { json: JSON.stringify({ host: manifest.host, hash: manifest.hash, files }) + "\n", hash: manifest.hash };
}

export interface ConvergeResult {
  host: string;
  seconds: number;
  output: string;
}

/**
 * Converge as components/cloud/converge.ts does it, over SSH as the automation user from the
 * deployer address: copy the bundle and the apply script, run it with secrets.env on stdin.
 */
export async function converge(host: LabHost, target: SshTarget, applyScript: string, secrets: LabSecrets): Promise<ConvergeResult> {
  const started = Date.now();
  const bundle = selfContainedFromPlan(host);
  const home = `/home/${AUTOMATION_USER}`;
  const bundlePath = `${home}/shop-bundle-${bundle.hash.slice(0, 12)}.json`;
  const applyPath = `${home}/shop-apply-lab.sh`;
  await sshAsync(target, `cat > ${bundlePath}`, { input: bundle.json });
  await sshAsync(target, `cat > ${applyPath}`, { input: fs.readFileSync(applyScript, "utf8") });
  const r = await sshAsync(target, `sudo bash ${applyPath} --secrets-stdin ${bundlePath}`, { input: hostSecretsEnv(secrets, host.name), timeoutMs: 600_000, allowFail: true });
  const output = (r.stdout + r.stderr).trim();
  if (r.status !== 0) throw new Error(`converge of ${host.name} failed (exit ${r.status}):\n${output.split("\n").slice(-20).join("\n")}`);
  return { host: host.name, seconds: (Date.now() - started) / 1000, output };
}
