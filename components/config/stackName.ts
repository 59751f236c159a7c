/**
 * Stack names become file names (stacks/Pulumi.<stack>.yaml), directories (out/<stack>/), host
 * names (<stack>-app-N, which Hetzner also uses as server names) and text in host files. They
 * are checked here, once, before any of those uses.
 */

/** `<stack>-app-30` is the longest derived host name (appNodes ≤ 30); a host name label is ≤ 63. */
const LONGEST_SUFFIX = "-app-30".length;
export const STACK_NAME_MAX = 63 - LONGEST_SUFFIX;

export const STACK_NAME_RULE = `a DNS label of 1–${STACK_NAME_MAX} characters: a-z, 0-9 and '-', starting with a letter, not ending with '-' (host names are <stack>-app-N, at most 63 characters)`;

/**
 * Pulumi allows letters, digits, '-', '_' and '.' up to 100 characters; host names allow
 * neither '_' nor '.' in a label nor capitals in a canonical name, so the intersection is a
 * lower-case DNS label short enough for every derived host name.
 */
export function isStackName(name: unknown): name is string {
  return typeof name === "string" && name.length <= STACK_NAME_MAX && /^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(name);
}
