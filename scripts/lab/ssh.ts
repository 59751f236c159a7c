import * as fs from "fs";
import * as path from "path";
import { AUTOMATION_USER } from "../../components/config";
import { run, runAsync, RunOptions, RunResult } from "./proc";

/** The lab's own automation key: the plan's key is a mock, so the lab seeds this one instead. */
export function labKeyPair(runDir: string): { privateKey: string; publicKey: string } {
  const privateKey = path.join(runDir, "keys", "automation_ed25519");
  if (!fs.existsSync(privateKey)) {
    fs.mkdirSync(path.dirname(privateKey), { recursive: true, mode: 0o700 });
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "shop-lab-automation", "-f", privateKey]);
  }
  return { privateKey, publicKey: fs.readFileSync(`${privateKey}.pub`, "utf8").trim() };
}

export interface SshTarget {
  ip: string;
  user?: string;
  key: string;
  /** Source address on the public bridge (deployer or admin), as the firewall sees it. */
  from: string;
  port?: number;
}

export function sshArgs(target: SshTarget): string[] {
  return [
    "-i", target.key,
    "-p", String(target.port ?? 22),
    "-o", "IdentitiesOnly=yes",
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "LogLevel=ERROR",
    "-o", "ConnectTimeout=5",
    "-o", `BindAddress=${target.from}`,
    `${target.user ?? AUTOMATION_USER}@${target.ip}`,
  ];
}

/** Runs one remote command over SSH (bounded like every lab command). */
export function ssh(target: SshTarget, command: string, opts: RunOptions = {}): RunResult {
  return run("ssh", [...sshArgs(target), command], { timeoutMs: 120_000, ...opts });
}

export function sshAsync(target: SshTarget, command: string, opts: RunOptions = {}): Promise<RunResult> {
  return runAsync("ssh", [...sshArgs(target), command], { timeoutMs: 120_000, ...opts });
}
