import * as fs from "fs";
import * as path from "path";
import { isAlias, isNode, LineCounter, parseDocument, visit, type Document } from "yaml";
import { ConfigError, ProblemList } from "./problems";
import { requiredSecretPaths, secretPaths, stackConfigSchema } from "./schema";
import { isStackName, STACK_NAME_RULE } from "./stackName";
import { offlinePlaceholder, SecretString, unsetPlaceholder } from "./secret";
import { deriveSpec } from "./derive";
import { parseConfig, semanticChecks } from "./validate";
import type { ShopSpec } from "./types";

export const PROJECT = "shop";
/** Provider settings may sit in a stack file next to ours; they are not part of the spec. */
const foreignNamespaces = ["hcloud", "cloudflare", "checkly", "command", "tls", "random", "pulumi"];

export interface LoadedSpec {
  spec: ShopSpec;
  warnings: string[];
}

export interface BuildOptions {
  stack: string;
  /** Today's date, for user expiry; injectable for tests. */
  today?: Date;
}

type Tree = Record<string, unknown>;

/** Visits every leaf at a `a.b[].c` path, creating nothing. */
function forEachAt(root: unknown, spec: string, visit: (parent: Tree, key: string, concretePath: string) => void): void {
  const walk = (node: unknown, segs: string[], concrete: string) => {
    if (node === null || typeof node !== "object") return;
    const [seg, ...rest] = segs;
    const isArray = seg.endsWith("[]");
    const key = isArray ? seg.slice(0, -2) : seg;
    const next = concrete ? `${concrete}.${key}` : key;
    if (!rest.length) return visit(node as Tree, key, next);
    const child = (node as Tree)[key];
    if (isArray) {
      if (Array.isArray(child)) child.forEach((el, i) => walk(el, rest, `${next}[${i}]`));
    } else walk(child, rest, next);
  };
  walk(root, spec.split("."), "");
}

/** Real engine: decrypted strings arrive at secret leaves; wrap them so they never print. */
function wrapSecrets(raw: Tree): void {
  for (const p of secretPaths)
    forEachAt(raw, p, (parent, key) => {
      if (typeof parent[key] === "string") parent[key] = new SecretString(parent[key] as string);
    });
}

/** Offline: missing required secrets become marked placeholders, one warning each. */
function fillPlaceholders(raw: Tree, warnings: string[]): void {
  for (const p of requiredSecretPaths)
    forEachAt(raw, p, (parent, key, concrete) => {
      if (parent[key] === undefined) {
        parent[key] = new SecretString(unsetPlaceholder(concrete));
        warnings.push(`shop:${concrete} is not set: the offline plan uses a placeholder (set it with pulumi config set --secret --path 'shop:${concrete}')`);
      }
    });
}

/** Validates a raw `shop:*` tree and derives the spec; throws ConfigError with every problem. */
export function buildSpec(raw: Tree, opts: BuildOptions): LoadedSpec {
  const problems = new ProblemList(raw);
  if (!isStackName(opts.stack)) problems.items.push(stackNameProblem(opts.stack));
  const config = parseConfig(raw, problems);
  problems.throwIfAny();
  const warnings = semanticChecks(config!, problems, opts.today ?? new Date());
  problems.throwIfAny();
  return { spec: deriveSpec(config!, opts.stack, PROJECT), warnings };
}

/** Converts YAML `secure:` leaves into SecretStrings (placeholders: only the CLI can decrypt them). */
function reviveSecure(node: unknown, warnings: string[], at: string): unknown {
  if (Array.isArray(node)) return node.map((el, i) => reviveSecure(el, warnings, `${at}[${i}]`));
  if (node && typeof node === "object") {
    const obj = node as Tree;
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0] === "secure" && typeof obj.secure === "string") {
      warnings.push(`${at} is a secure value: the offline plan uses a placeholder`);
      return new SecretString(offlinePlaceholder(at.replace(/^shop:/, "")));
    }
    return Object.fromEntries(keys.map((k) => [k, reviveSecure(obj[k], warnings, at.endsWith(":") ? `${at}${k}` : `${at}.${k}`)]));
  }
  return node;
}

export interface StackFile {
  stack: string;
  file: string;
  /** The `shop:` keys without their namespace. */
  raw: Tree;
  warnings: string[];
}

/** A stack file may be at most this large: every real one is a few KiB. */
export const STACK_FILE_MAX_BYTES = 1024 * 1024;
/** YAML aliases the reader expands before it refuses the file (a "billion laughs" guard). */
const MAX_ALIASES = 100;

function stackNameProblem(stack: string) {
  return { path: "stack", found: JSON.stringify(stack), allowed: STACK_NAME_RULE };
}

/** The stack file of a stack; the name is checked first, so it can never leave `stacksDir`. */
export function stackFilePath(stacksDir: string, stack: string): string {
  if (!isStackName(stack)) throw new ConfigError([stackNameProblem(stack)]);
  return path.join(stacksDir, `Pulumi.${stack}.yaml`);
}

/** Every name with a `Pulumi.<name>.yaml` in the folder, valid or not (callers check with isStackName). */
export function listStacks(stacksDir: string): string[] {
  if (!fs.existsSync(stacksDir)) return [];
  return fs
    .readdirSync(stacksDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/s.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** The stack name a file stands for: `Pulumi.<stack>.yaml`, or the bare file name. */
export function stackNameOfFile(file: string): string {
  const base = path.basename(file);
  return /^Pulumi\.(.*)\.ya?ml$/s.exec(base)?.[1] ?? base.replace(/\.ya?ml$/, "");
}

/**
 * Reads at most STACK_FILE_MAX_BYTES of a regular file. The type is checked before the file
 * is opened (a FIFO would block the open) and again on the open descriptor (the path may have
 * changed in between), so /dev/zero, a FIFO or a directory never gets read.
 */
function readBounded(file: string): string {
  const problem = (found: string, allowed: string) => new ConfigError([{ path: file, found, allowed }]);
  const regular = `a regular stack file of at most ${STACK_FILE_MAX_BYTES / 1024 / 1024} MiB`;
  const kind = (st: fs.Stats) => (st.isDirectory() ? "a directory" : st.isCharacterDevice() ? "a character device" : st.isBlockDevice() ? "a block device" : st.isFIFO() ? "a FIFO" : st.isSocket() ? "a socket" : "not a regular file");
  const before = fs.statSync(file);
  if (!before.isFile()) throw problem(kind(before), regular);
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw problem(kind(st), regular);
    const buf = Buffer.alloc(STACK_FILE_MAX_BYTES + 1);
    let size = 0;
    for (let n; size < buf.length && (n = fs.readSync(fd, buf, size, buf.length - size, null)) > 0; ) size += n;
    if (size > STACK_FILE_MAX_BYTES) throw problem(`more than ${STACK_FILE_MAX_BYTES} bytes`, regular);
    return buf.subarray(0, size).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/** The line of the first alias before its anchor, else of the first alias (an alias bomb starts there). */
function aliasLine(doc: Document, lines: LineCounter): number | "?" {
  const anchors = new Set<string>();
  let first: number | undefined;
  let unresolved: number | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      const at = node.range?.[0];
      if (first === undefined) first = at;
      if (unresolved === undefined && !anchors.has(node.source)) unresolved = at;
    } else if (isNode(node) && node.anchor) anchors.add(node.anchor);
  });
  const offset = unresolved ?? first;
  return offset === undefined ? "?" : lines.linePos(offset).line;
}

/** `shop:<key>`: one top-level key of the schema, spelled as such (no second ':' and no `__proto__`). */
const topLevelKeys = new Set(Object.keys(stackConfigSchema.shape));

/** Reads a stack file as the offline plan sees it. Every problem is a ConfigError. */
export function readStackFile(file: string, stack?: string): StackFile {
  const stackName = stack ?? stackNameOfFile(file);
  if (!isStackName(stackName)) throw new ConfigError([stackNameProblem(stackName)]);
  if (!fs.existsSync(file)) {
    const dir = path.dirname(file);
    const known = listStacks(dir).filter(isStackName);
    throw new ConfigError([
      {
        path: "stack",
        found: JSON.stringify(stackName),
        allowed: known.length ? `a stack with a file in ${dir}/: ${known.join(", ")} (no file ${file})` : `an existing stack file (no file ${file})`,
      },
    ]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(readBounded(file), { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        path: `${file}:${e.linePos?.[0]?.line ?? "?"}`,
        found: "YAML that does not parse",
        allowed: `valid YAML (${e.message.split("\n")[0]})`,
      })),
    );
  }
  let top: unknown;
  try {
    top = doc.toJS({ maxAliasCount: MAX_ALIASES }) as unknown;
  } catch (err) {
    // Unresolved or excessive aliases surface only here.
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new ConfigError([{ path: `${file}:${aliasLine(doc, lineCounter)}`, found: "YAML aliases that do not resolve", allowed: `at most ${MAX_ALIASES} alias expansions, each after its anchor (${why})` }]);
  }
  const problems = new ProblemList(top);
  if (!top || typeof top !== "object" || !("config" in top) || typeof (top as Tree).config !== "object" || !(top as Tree).config) {
    problems.add(["config"], "a stack file with a `config:` map of shop:* keys", top === null ? undefined : Object.keys(top as object));
    problems.throwIfAny();
  }
  const warnings: string[] = [];
  const raw: Tree = {};
  for (const [key, value] of Object.entries((top as { config: Tree }).config)) {
    const colon = key.indexOf(":");
    const [ns, name] = colon < 0 ? ["", key] : [key.slice(0, colon), key.slice(colon + 1)];
    if (ns === PROJECT) {
      if (topLevelKeys.has(name)) raw[name] = reviveSecure(value, warnings, `shop:${name}`);
      else problems.items.push({ path: JSON.stringify(key).slice(1, -1), found: "an unknown key", allowed: "no such key; see the configuration reference in the README" });
    } else if (!foreignNamespaces.includes(ns))
      problems.items.push({ path: JSON.stringify(key).slice(1, -1), found: "a key outside the shop: namespace", allowed: `keys in the shop: namespace (or provider keys: ${foreignNamespaces.join(", ")})` });
  }
  problems.throwIfAny();
  fillPlaceholders(raw, warnings);
  return { stack: stackName, file, raw, warnings };
}

/** The raw tree as Pulumi config strings, for `runtime.setAllConfig` in the offline plan. */
export function toPulumiConfig(raw: Tree): { config: Record<string, string>; secretKeys: string[] } {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    let secret = false;
    // SecretString.toJSON runs before any JSON.stringify replacer, so reveal in a walk first.
    const reveal = (v: unknown): unknown => {
      if (v instanceof SecretString) {
        secret = true;
        return v.reveal();
      }
      if (Array.isArray(v)) return v.map(reveal);
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
      return v;
    };
    const plain = reveal(value);
    config[`${PROJECT}:${key}`] = typeof plain === "string" ? plain : JSON.stringify(plain);
    if (secret) secretKeys.push(`${PROJECT}:${key}`);
  }
  return { config, secretKeys };
}

/** The real engine's config (decrypted by the CLI) back into a raw tree with wrapped secrets. */
export function fromPulumiConfig(all: Record<string, string>): Tree {
  const raw: Tree = {};
  for (const [key, text] of Object.entries(all)) {
    if (!key.startsWith(`${PROJECT}:`)) continue;
    // Unknown keys (`shop:a:b`, `shop:__proto__`) stay in the tree as they are, for the schema to name.
    if (!topLevelKeys.has(key.slice(PROJECT.length + 1))) {
      Object.defineProperty(raw, key.slice(PROJECT.length + 1), { value: text, enumerable: true, configurable: true, writable: true });
      continue;
    }
    let value: unknown = text;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "string") value = parsed;
    } catch {
      // plain strings are stored unquoted
    }
    raw[key.slice(PROJECT.length + 1)] = value;
  }
  wrapSecrets(raw);
  return raw;
}
