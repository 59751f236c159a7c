import * as fs from "fs";
import * as path from "path";
import type { LabNames } from "../paths";
import { waitFor } from "../proc";
import { SINK_PORT } from "../secrets";
import { spawnInCgroup } from "../spawn";
import type { LabTopology } from "../topology";
import { TS_NODE_ARGS } from "../../lib/cli";

export interface SinkRecord {
  at: string;
  from: string;
  method: string;
  path: string;
  body: string;
}

export function sinkFile(names: LabNames): string {
  return path.join(names.runDir, "sink", "requests.jsonl");
}

/** The previous hoster's server for the cutover scenario: it answers 200 without X-Served-By and records every request. */
export function oldHostFile(names: LabNames): string {
  return path.join(names.runDir, "old-host", "requests.jsonl");
}

async function startSink(names: LabNames, label: string, address: string, port: number, file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, "");
  const log = path.join(path.dirname(file), "sink.log");
  spawnInCgroup(`${names.cgroupName}/standin-${label}`, process.execPath, [...TS_NODE_ARGS, path.join(__dirname, "webhookSink.ts"), address, String(port), file], log);
  await waitFor(`the ${label} stand-in`, 20_000, () => fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("listening"));
}

export async function startWebhookSink(names: LabNames, topo: LabTopology): Promise<void> {
  await startSink(names, "sink", topo.publicSide.webhookSink, SINK_PORT, sinkFile(names));
}

export async function startOldHost(names: LabNames, topo: LabTopology): Promise<void> {
  await startSink(names, "old-host", topo.publicSide.oldHost, 80, oldHostFile(names));
}

/** Every request the sink recorded so far. */
export function sinkRecords(names: LabNames, file = sinkFile(names)): SinkRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as SinkRecord);
}
