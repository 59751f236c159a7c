/**
 * Character classes shared by validation (which refuses a value by name) and the escapers in
 * components/hostconfig/escape.ts (which guard the same rule at render time): one definition.
 */

/** C0 controls, DEL and the Unicode line/paragraph separators: nothing a one-line value may hold. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f\u2028\u2029]/;

/**
 * What Symfony Dotenv reads literally in an unquoted value: no `$` (variable and command
 * expansion), quotes, backslash, backtick, space, `#` or `{`.
 */
export const DOTENV_SAFE = /^[A-Za-z0-9_.,:/@%+=~?&-]*$/;
export const DOTENV_SAFE_TEXT = "letters, digits and _ . , : / @ % + = ~ ? & -";
