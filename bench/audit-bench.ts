/**
 * Times `npm run audit -- --all` over every stack in stacks/, then over N generated customer
 * stacks (default 100) written to a temp dir that is removed afterwards (never committed).
 * Usage: node --import tsx bench/audit-bench.ts [N]
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { listStacks, stackFilePath } from "../components/config";
import { TS_NODE_ARGS } from "../scripts/lib/cli";

const ROOT = path.resolve(__dirname, "..");
const STACKS = path.join(ROOT, "stacks");
const PROFILES: [string, number | undefined][] = [["small", undefined], ["standard", undefined], ["standard", 3], ["large", 4]];

/** Customer i: a real stack's file with its own name, zone, bucket and profile. */
function generate(dir: string, count: number): void {
  const sources = listStacks(STACKS);
  for (let i = 0; i < count; i++) {
    const name = `bench-${String(i + 1).padStart(3, "0")}`;
    const doc = parseDocument(fs.readFileSync(stackFilePath(STACKS, sources[i % sources.length]), "utf8"));
    const [profile, appNodes] = PROFILES[i % PROFILES.length];
    doc.setIn(["config", "shop:customer"], name);
    doc.setIn(["config", "shop:profile"], profile);
    if (appNodes) doc.setIn(["config", "shop:appNodes"], appNodes);
    else doc.deleteIn(["config", "shop:appNodes"]);
    const zoneId = createHash("md5").update(name).digest("hex");
    doc.setIn(["config", "shop:domains"], doc.createNode([{ zone: `${name}.example.de`, zoneId }]));
    doc.setIn(["config", "shop:media", "bucket"], `${name}-media`);
    fs.writeFileSync(stackFilePath(dir, name), doc.toString());
  }
}

function timeAuditAll(stacksDir: string, outDir: string): { seconds: number; stacks: number; invalid: number } {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...TS_NODE_ARGS, path.join(ROOT, "scripts", "audit.ts"), "--all", "--format", "json", "--stacks-dir", stacksDir, "--out", outDir], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 3_600_000,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`audit --all failed (${String(r.status)}): ${r.stderr}`);
  const { stacks, invalid } = JSON.parse(r.stdout) as { stacks: unknown[]; invalid: unknown[] };
  return { seconds, stacks: stacks.length, invalid: invalid.length };
}

const count = Number(process.argv[2] ?? 100);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "audit-bench-"));
try {
  const real = timeAuditAll(STACKS, path.join(tmp, "out-real"));
  console.log(`audit --all over stacks/ (${real.stacks} stacks, ${real.invalid} invalid): ${real.seconds.toFixed(1)} s, ${(real.seconds / real.stacks).toFixed(2)} s/stack`);
  const generated = path.join(tmp, "stacks");
  fs.mkdirSync(generated);
  generate(generated, count);
  const bench = timeAuditAll(generated, path.join(tmp, "out-generated"));
  console.log(`audit --all over ${count} generated stacks (${bench.stacks} audited, ${bench.invalid} invalid): ${bench.seconds.toFixed(1)} s, ${(bench.seconds / bench.stacks).toFixed(2)} s/stack on ${os.availableParallelism()} cores`);
  if (bench.stacks !== count) process.exitCode = 1;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
