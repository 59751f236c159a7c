/**
 * Median wall time of `npm run plan -- --stack demo` against the floor: a bare Node process that
 * only loads the four Pulumi SDK packages. Runs are interleaved so machine noise hits both alike.
 * Usage: npx tsx bench/plan-vs-floor.ts [runs=7]
 */
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const runs = Number(process.argv[2] ?? 7);
const outDir = path.join(os.tmpdir(), `plan-bench-${process.pid}`);

function time(cmd: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "ignore" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${String(r.status)}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floorScript = "for (const p of ['@pulumi/pulumi','@pulumi/hcloud','@pulumi/cloudflare','@pulumi/command']) require(p)";
const plan: number[] = [];
const floor: number[] = [];
time("npm", ["run", "-s", "plan", "--", "--stack", "demo", "--out", outDir]); // warm the tsx cache
for (let i = 0; i < runs; i++) {
  floor.push(time(process.execPath, ["-e", floorScript]));
  plan.push(time("npm", ["run", "-s", "plan", "--", "--stack", "demo", "--out", outDir]));
}
const p = median(plan);
const f = median(floor);
console.log(`runs: ${runs} each, interleaved`);
console.log(`floor (node loading 4 Pulumi SDKs): median ${f.toFixed(0)} ms`);
console.log(`npm run plan -- --stack demo:       median ${p.toFixed(0)} ms`);
console.log(`ratio: ${(p / f).toFixed(2)}x (target ≤ 3x)`);
