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

/** Exit with the message, flushed: bad input never shows a stack trace (D10). */
export function exitWith(code: number, fd: 1 | 2, message: string): never {
  writeAllSync(fd, message.endsWith("\n") ? message : `${message}\n`);
  process.exit(code);
}

/** Exit 1 with the message on stderr. */
export function fail(message: string): never {
  exitWith(1, 2, message);
}

/** Runs a CLI main: ConfigErrors print their problems, anything else prints its message. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) fail(`${err.message}\n${err.problems.length} problem(s); nothing was written.`);
    const message = err instanceof Error ? err.message : String(err);
    fail(`error: ${message}`);
  });
}

export interface ParsedArgs {
  flags: Record<string, string | true>;
  positional: string[];
}

/** `--key value`, `--key=value` and bare `--flag`; unknown flags are the caller's to reject. */
export function parseArgs(argv: string[], booleanFlags: string[] = []): ParsedArgs {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [key, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (inline !== undefined) flags[key] = inline;
    else if (key === "help" || booleanFlags.includes(key)) flags[key] = true;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) flags[key] = argv[++i];
    else fail(`error: --${key} needs a value`);
  }
  return { flags, positional };
}

export function rejectUnknownFlags(flags: Record<string, unknown>, known: string[], usage: string): void {
  if (flags.help) exitWith(0, 1, usage);
  const unknown = Object.keys(flags).filter((k) => !known.includes(k));
  if (unknown.length) fail(`error: unknown option ${unknown.map((k) => `--${k}`).join(", ")}; allowed: ${known.map((k) => `--${k}`).join(", ")}\n${usage}`);
}
