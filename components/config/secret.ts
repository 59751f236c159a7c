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
