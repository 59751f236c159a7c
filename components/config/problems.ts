import { secretPaths } from "./schema";
import { SecretString } from "./secret";

/** One invalid value: which key, what was found, what is allowed (docs/design.md D10). */
export interface Problem {
  path: string;
  found: string;
  allowed: string;
}

/** Every problem of one config, reported together so one run shows them all. */
export class ConfigError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ConfigError";
  }
}

export function formatProblem(p: Problem): string {
  return `error: ${p.path}: found ${p.found}; allowed: ${p.allowed}`;
}

const HIDDEN = "a plain-text value (hidden)";

/** YAML's spelling of the numbers JSON cannot write (`.inf`, `1e400` and `.nan` all read as these). */
function nonFinite(n: number): string {
  return Number.isNaN(n) ? ".nan (not a number)" : `${n > 0 ? "" : "-"}.inf (infinity)`;
}

/**
 * A short, single-line rendering of a config value found at `at`; secrets never print,
 * neither as SecretStrings nor as plain values typed at a secret key, at any depth.
 */
export function describeValue(value: unknown, at: readonly PropertyKey[] = []): string {
  if (value === undefined) return "nothing";
  if (value instanceof SecretString) return "[secret]";
  if (isSecretPath(at) || (isAboveSecret(at) && typeof value !== "object")) return HIDDEN;
  if (typeof value === "number" && !Number.isFinite(value)) return nonFinite(value);
  const text = JSON.stringify(redactSecrets(value, at)) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A copy of the value with secret leaves hidden and non-finite numbers spelled out. */
function redactSecrets(value: unknown, at: readonly PropertyKey[]): unknown {
  if (value instanceof SecretString) return "[secret]";
  if (isSecretPath(at) || (isAboveSecret(at) && (value === null || typeof value !== "object"))) return "(hidden)";
  if (typeof value === "number" && !Number.isFinite(value)) return nonFinite(value);
  if (Array.isArray(value)) return value.map((el, i) => redactSecrets(el, [...at, i]));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, [...at, k])]));
  return value;
}

/**
 * True when a secret leaf lies below the path (monitoring.webhooks[0] holds a url): a scalar
 * typed there is most likely the secret itself, one level too high.
 */
function isAboveSecret(path: readonly PropertyKey[]): boolean {
  if (!path.length) return false;
  const pattern = patternOf(path);
  return (secretPaths as readonly string[]).some((p) => p.startsWith(`${pattern}.`) || p.startsWith(`${pattern}[]`));
}

function patternOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === "number" ? `${acc}[]` : acc ? `${acc}.${String(seg)}` : String(seg)), "");
}

/** True when the path is a secret leaf such as monitoring.webhooks[2].url. */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return (secretPaths as readonly string[]).includes(patternOf(path));
}

/** True when the key at the end of `path` is written in the config (even as null). */
export function isPresent(root: unknown, path: readonly PropertyKey[]): boolean {
  if (!path.length) return root !== undefined;
  const parent = valueAt(root, path.slice(0, -1));
  return parent !== null && typeof parent === "object" && Object.prototype.hasOwnProperty.call(parent, path[path.length - 1]);
}

/** Config paths are printed as the user writes them for `pulumi config set --path`. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = "shop:";
  path.forEach((seg, i) => {
    if (typeof seg === "number") out += `[${seg}]`;
    // A key as typed can hold anything (a line break, a quote): quote it so the line stays one line.
    else if (!/^[A-Za-z0-9_-]+$/.test(String(seg))) out += `[${JSON.stringify(String(seg))}]`;
    else out += i === 0 ? String(seg) : `.${String(seg)}`;
  });
  return out;
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    // Own keys only: `__proto__` or `constructor` in a path never reach the prototype.
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** Collects problems against the raw config, so each one can quote the value found. */
export class ProblemList {
  readonly items: Problem[] = [];
  constructor(readonly raw: unknown) {}

  add(path: readonly PropertyKey[], allowed: string, found?: unknown): void {
    const value = arguments.length >= 3 ? found : valueAt(this.raw, path);
    // A would-be secret typed in plain text is not repeated on the terminal or in CI logs.
    this.items.push({ path: keyPath(path), found: describeValue(value, path), allowed });
  }

  throwIfAny(): void {
    if (this.items.length) throw new ConfigError(this.items);
  }
}
