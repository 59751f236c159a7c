import { secretPaths } from "./schema";
import { SecretString } from "./secret";

/** One invalid value: which key, what was found, what is allowed (DESIGN D10). */
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

/** A short, single-line rendering of a config value; secrets never print. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value instanceof SecretString) return "[secret]";
  const text = JSON.stringify(value, (_k, v) => (v instanceof SecretString ? "[secret]" : v)) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** True when the path is a secret leaf such as monitoring.webhooks[2].url. */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  const pattern = path.reduce<string>((acc, seg) => (typeof seg === "number" ? `${acc}[]` : acc ? `${acc}.${String(seg)}` : String(seg)), "");
  return (secretPaths as readonly string[]).includes(pattern);
}

/** Config paths are printed as the user writes them for `pulumi config set --path`. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = "shop:";
  path.forEach((seg, i) => {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += i === 0 ? String(seg) : `.${String(seg)}`;
  });
  return out;
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** Collects problems against the raw config, so each one can quote the value found. */
export class ProblemList {
  readonly items: Problem[] = [];
  constructor(private readonly raw: unknown) {}

  add(path: readonly PropertyKey[], allowed: string, found?: unknown): void {
    const value = arguments.length >= 3 ? found : valueAt(this.raw, path);
    // A would-be secret typed in plain text is not repeated on the terminal or in CI logs.
    const shown = isSecretPath(path) && typeof value === "string" ? "a plain-text value (hidden)" : describeValue(value);
    this.items.push({ path: keyPath(path), found: shown, allowed });
  }

  throwIfAny(): void {
    if (this.items.length) throw new ConfigError(this.items);
  }
}
