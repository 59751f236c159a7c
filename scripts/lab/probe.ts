import * as net from "net";
import { containerPid } from "./hosts";
import type { LabNames } from "./paths";
import { runAsync } from "./proc";

export type ProbeResult = "open" | "refused" | "timeout";

/** A TCP connect from one of this machine's lab addresses (bounded: timeoutMs). */
export function tcpProbe(from: string, ip: string, port: number, timeoutMs = 2000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: ip, port, localAddress: from });
    const done = (r: ProbeResult) => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () => done("timeout"));
    socket.on("connect", () => done("open"));
    socket.on("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED" ? "refused" : "timeout"));
  });
}

/** A TCP connect from inside a lab host (bash's /dev/tcp, bounded by timeout(1)). */
export async function tcpProbeFromHost(names: LabNames, host: string, ip: string, port: number): Promise<ProbeResult> {
  const pid = containerPid(names, host);
  if (!pid) throw new Error(`${host} is not running`);
  const r = await runAsync("nsenter", ["-t", String(pid), "-a", "--", "timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${ip}/${port}`], { allowFail: true, timeoutMs: 10_000 });
  if (r.status === 0) return "open";
  return r.status === 124 ? "timeout" : "refused";
}
