import { spawn } from "child_process";
import * as fs from "fs";

export interface RemoteResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** How the deploy reaches one app node: ssh's arguments up to and including user@host. */
export interface DeployTarget {
  name: string;
  ssh: string[];
}

/** SSH options for real hosts: keys and known_hosts from the operator's own SSH setup, never a prompt. */
export function hostSshArgs(ip: string, user: string, key?: string): string[] {
  return [
    ...(key ? ["-i", key, "-o", "IdentitiesOnly=yes"] : []),
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=accept-new",
    "-o", "ConnectTimeout=10",
    "-o", "ServerAliveInterval=15",
    `${user}@${ip}`,
  ];
}

/** Runs one command on a node; stdin streams from a file when given. Bounded: a hung node fails its step. */
export function runRemote(target: DeployTarget, command: string, opts: { stdinFile?: string; timeoutMs?: number } = {}): Promise<RemoteResult> {
  return new Promise((resolve) => {
    const child = spawn("ssh", [...target.ssh, command], { stdio: [opts.stdinFile ? "pipe" : "ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\ntimed out after ${(opts.timeoutMs ?? 0) / 1000} s`;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 300_000);
    if (opts.stdinFile && child.stdin) {
      const input = fs.createReadStream(opts.stdinFile);
      input.on("error", (err) => child.stdin?.destroy(err));
      child.stdin.on("error", () => {}); // ssh exiting early ends the stream; its status tells why
      input.pipe(child.stdin);
    }
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ status: 255, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? 255, stdout, stderr });
    });
  });
}

/** The first line worth showing from a failed command: what the host said, not ssh's noise. */
export function firstError(r: RemoteResult): string {
  const lines = `${r.stderr}\n${r.stdout}`.split("\n").map((l) => l.trim()).filter((l) => l && !/^Warning: Permanently added/.test(l));
  return lines[0] ?? `exit status ${r.status}`;
}
