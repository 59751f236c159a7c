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

export async function startWebhookSink(names: LabNames, topo: LabTopology): Promise<void> {
  const file = sinkFile(names);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, "");
  const log = path.join(path.dirname(file), "sink.log");
  spawnInCgroup(`${names.cgroupName}/standin-sink`, process.execPath, [...TS_NODE_ARGS, path.join(__dirname, "webhookSink.ts"), topo.publicSide.webhookSink, String(SINK_PORT), file], log);
  await waitFor("the webhook sink", 20_000, () => fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("listening"));
}

/** Every request the sink recorded so far. */
export function sinkRecords(names: LabNames): SinkRecord[] {
  const file = sinkFile(names);
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as SinkRecord);
}
