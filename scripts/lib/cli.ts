import * as path from "path";
import { ConfigError } from "../../components/config";

/** Node arguments that run one of the project's TypeScript CLIs (see register-ts.js). */
export const TS_NODE_ARGS = ["-r", path.join(__dirname, "register-ts.js")];

/** Exit 1 with the message: bad input never shows a stack trace (D10). */
export function fail(message: string): never {
  process.stderr.write(message.endsWith("\n") ? message : `${message}\n`);
  process.exit(1);
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
  if (flags.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const unknown = Object.keys(flags).filter((k) => !known.includes(k));
  if (unknown.length) fail(`error: unknown option ${unknown.map((k) => `--${k}`).join(", ")}; allowed: ${known.map((k) => `--${k}`).join(", ")}\n${usage}`);
}
