import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../../components/config";

/** Node arguments that run one of the project's TypeScript CLIs (see register-ts.js). */
export const TS_NODE_ARGS = ["-r", path.join(__dirname, "register-ts.js")];

/**
 * Writes all of `text` to a file descriptor before returning. process.exit() drops whatever a
 * pipe has not taken yet (stdout and stderr are non-blocking pipes in Node), which cut long
 * problem lists mid-line; a blocking loop over writeSync cannot lose a byte.
 */
export function writeAllSync(fd: number, text: string): void {
  const buf = Buffer.from(text);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let off = 0; off < buf.length; ) {
    try {
      off += fs.writeSync(fd, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Atomics.wait(pause, 0, 0, 5); // the reader is behind: wait for the pipe to drain
    }
  }
}

/** A word for a POSIX shell command line, single-quoted. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Exit with the message, flushed: bad input never shows a stack trace (D10). */
export function exitWith(code: number, fd: 1 | 2, message: string): never {
  writeAllSync(fd, message.endsWith("\n") ? message : `${message}\n`);
  process.exit(code);
}

/** Exit 1 with the message on stderr. */
export function fail(message: string): never {
  exitWith(1, 2, message);
}

const notes = new WeakMap<object, string[]>();

/** A line runMain prints after the error itself, such as what was cleaned up because of it. */
export function addNote(err: unknown, note: string): void {
  if (err && typeof err === "object") notes.set(err, [...(notes.get(err) ?? []), note]);
}

/** Runs a CLI main: ConfigErrors print their problems, anything else prints its message. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const after = (err && typeof err === "object" ? (notes.get(err) ?? []) : []).map((n) => `\n${n}`).join("");
    if (err instanceof ConfigError) fail(`${err.message}\n${err.problems.length} problem(s); nothing was written.${after}`);
    const message = err instanceof Error ? err.message : String(err);
    fail(`error: ${message}${after}`);
  });
}

/** One option of a command: `--name VALUE` when it takes a value, a bare flag otherwise. */
export interface OptionSpec {
  name: string;
  /** What the value is, such as NAME or en|de; absent for a flag. */
  value?: string;
  help: string;
  /** Internal options (worker mode) work but stay out of --help. */
  hidden?: boolean;
}

export interface CommandSpec {
  /** As typed: `npm run plan --`. */
  command: string;
  /** What comes after the command, such as `--stack NAME | --file PATH [options]`. */
  synopsis: string;
  summary: string;
  options: OptionSpec[];
}

/** --help: the usage line, then one line per option. */
export function helpText(spec: CommandSpec): string {
  const shown = spec.options.filter((o) => !o.hidden);
  const left = (o: OptionSpec) => `--${o.name}${o.value ? ` ${o.value}` : ""}`;
  const width = Math.max(...shown.map((o) => left(o).length), "-h, --help".length);
  return [
    `usage: ${spec.command} ${spec.synopsis}`,
    spec.summary,
    "",
    "options:",
    ...shown.map((o) => `  ${left(o).padEnd(width)}  ${o.help}`),
    `  ${"-h, --help".padEnd(width)}  print this help and exit`,
    "",
  ].join("\n");
}

export interface ParsedArgs {
  flags: Record<string, string | true>;
  positional: string[];
}

/**
 * Parses argv against a command's options: `--key value`, `--key=value`, bare flags, -h/--help.
 * An option the command does not have is "unknown option" before anything else is judged.
 */
export function parseCommand(argv: string[], spec: CommandSpec): ParsedArgs {
  const byName = new Map(spec.options.map((o) => [o.name, o]));
  const usage = `usage: ${spec.command} ${spec.synopsis}\nrun with --help for every option`;
  if (argv.includes("-h") || argv.includes("--help")) {
    exitWith(0, 1, helpText(spec));
  }
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const [key, inline] = arg.replace(/^--?/, "").split(/=(.*)/s, 2);
    const option = byName.get(key);
    if (!option || !arg.startsWith("--")) fail(`error: unknown option ${arg.split("=")[0]}\n${usage}`);
    if (!option.value) {
      if (inline !== undefined) fail(`error: --${key} takes no value (found ${JSON.stringify(inline)})\n${usage}`);
      flags[key] = true;
    } else if (inline !== undefined) flags[key] = inline;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) flags[key] = argv[++i];
    else fail(`error: --${key} needs a value (${option.value})\n${usage}`);
  }
  return { flags, positional };
}

/**
 * The older two-step parser, for commands not yet described by a CommandSpec: it keeps every
 * flag, and rejectUnknownFlags judges them, unknown ones first.
 */
const MISSING = "\u0000missing";

export function parseArgs(argv: string[], booleanFlags: string[] = []): ParsedArgs {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h") {
      flags.help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [key, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (inline !== undefined) flags[key] = inline;
    else if (key === "help" || booleanFlags.includes(key)) flags[key] = true;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) flags[key] = argv[++i];
    else flags[key] = MISSING;
  }
  return { flags, positional };
}

export function rejectUnknownFlags(flags: Record<string, unknown>, known: string[], usage: string): void {
  if (flags.help) exitWith(0, 1, `${usage}\n\noptions:\n${known.map((k) => `  --${k}`).join("\n")}\n  -h, --help\n`);
  const unknown = Object.keys(flags).filter((k) => !known.includes(k));
  if (unknown.length) fail(`error: unknown option ${unknown.map((k) => `--${k}`).join(", ")}; allowed: ${known.map((k) => `--${k}`).join(", ")}\n${usage}`);
  const missing = Object.keys(flags).filter((k) => flags[k] === MISSING);
  if (missing.length) fail(`error: ${missing.map((k) => `--${k}`).join(", ")} needs a value\n${usage}`);
}
