/**
 * A secret value from stack config or a generator. It refuses to print itself:
 * JSON.stringify, template strings and console.log all give "[secret]", so a
 * spec can be logged or written to plan.json without leaking anything.
 * Only reveal() hands out the value, and only resource wiring calls it.
 */
export class SecretString {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return "[secret]";
  }

  toJSON(): string {
    return "[secret]";
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "[secret]";
  }
}

/** Marker that the offline plan puts into every placeholder, so out/ can be scanned for leaks. */
export const OFFLINE_SECRET_MARKER = "offline-placeholder";

export function offlinePlaceholder(path: string): string {
  return `${OFFLINE_SECRET_MARKER}:${path}`;
}

/** Offline stand-ins for secrets the stack leaves unset start so (a `secure:` value the plan cannot decrypt does not). */
export const UNSET_SECRET_PREFIX = `${OFFLINE_SECRET_MARKER}:unset:`;

export function unsetPlaceholder(path: string): string {
  return `${UNSET_SECRET_PREFIX}${path}`;
}
