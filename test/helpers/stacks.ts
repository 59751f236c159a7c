import * as fs from "fs";
import * as path from "path";
import { buildSpec, listStacks, readStackFile, SecretString, ShopSpec, stackFilePath } from "../../components/config";
import { images } from "../../components/config/catalog";
import { parse, stringify } from "yaml";
import { run, RunResult } from "./tools";
import { TS_NODE_ARGS } from "../../scripts/lib/cli";

export const ROOT = path.resolve(__dirname, "..", "..");
export const STACKS_DIR = path.join(ROOT, "stacks");

export function allStacks(): string[] {
  return listStacks(STACKS_DIR);
}

/** The validated spec of a stack in stacks/ (pure: no Pulumi). */
export function stackSpec(stack: string, today = new Date("2026-11-22")): ShopSpec {
  const file = readStackFile(stackFilePath(STACKS_DIR, stack), stack);
  return buildSpec(file.raw, { stack, today }).spec;
}

/**
 * A stack's spec after one edit to its raw `shop:` keys, validated for real (ConfigError on bad
 * input). The file is read afresh each time: its secrets are objects a deep clone would lose.
 */
export function editedStackSpec(stack: string, edit: (raw: Record<string, any>) => void, today = new Date("2026-11-22")): { spec: ShopSpec; warnings: string[] } {
  const raw = readStackFile(stackFilePath(STACKS_DIR, stack), stack).raw as Record<string, any>;
  edit(raw);
  return buildSpec(raw, { stack, today });
}

/**
 * A stack on this machine's own Debian release: tests that start the rendered config in this
 * machine's real daemons (php-fpm, sudo) need its PHP, whatever release the stack declares.
 * Validators of other releases run in their own root instead (validatorRoot.ts).
 */
export function onThisMachinesRelease(stack: string, edit: (raw: Record<string, any>) => void = () => undefined): ShopSpec {
  const codename = /^VERSION_CODENAME=(\S+)$/m.exec(fs.readFileSync("/etc/os-release", "utf8"))?.[1];
  const image = Object.entries(images).find(([, os]) => os.codename === codename)?.[0];
  if (!image) throw new Error(`this machine runs Debian ${codename ?? "(unknown)"}, which no image in components/config/catalog.ts ships`);
  return editedStackSpec(stack, (raw) => {
    edit(raw);
    raw.image = image;
  }).spec;
}

/** Writes a copy of a stack file with its `config:` edited (keys as written: `shop:users`), for `--file`. */
export function writeStackVariant(dir: string, stack: string, name: string, edit: (config: Record<string, unknown>) => void): string {
  const doc = parse(fs.readFileSync(stackFilePath(STACKS_DIR, stack), "utf8")) as { config: Record<string, unknown> };
  edit(doc.config);
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  fs.writeFileSync(file, stringify(doc));
  return file;
}

/** Runs the real plan CLI in a child process (mocks are per process) into outDir. */
export function planCli(args: string[], outDir: string): RunResult {
  return run(process.execPath, [...TS_NODE_ARGS, path.join(ROOT, "scripts", "plan.ts"), ...args, "--out", outDir], { cwd: ROOT });
}

export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/** The smallest valid raw `shop:*` tree: the keys without defaults, secrets as the real engine hands them over. */
export function minimalRaw(): Record<string, unknown> {
  return {
    customer: "minimal-shop",
    // What new-customer writes: image and Shopware version have no default.
    image: "debian-13",
    shopwareVersion: "6.7.13.0",
    domains: [{ zone: "minimal.de", zoneId: "0123456789abcdef0123456789abcdef" }],
    adminCidrs: ["198.51.100.1/32"],
    contacts: {
      owner: { name: "Owner", email: "o@minimal.de", phone: "+49 30 111111" },
      onCall: { name: "On call", email: "c@minimal.de", phone: "+49 30 222222" },
    },
    monitoring: { webhooks: [{ name: "ops", type: "generic", url: new SecretString("https://hooks.example/x") }] },
    media: { endpoint: "https://fsn1.your-objectstorage.com", bucket: "minimal-media", accessKey: new SecretString("a"), secretKey: new SecretString("b") },
  };
}
