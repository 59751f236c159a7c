/**
 * The one place where a value from a stack file is made safe for the syntax it lands in.
 * Each function either returns text that the target syntax reads back as exactly that value,
 * or throws an EscapeError naming what it refused: validation (components/config) keeps such
 * values out, so a throw here means a renderer met a value that validation let through.
 * Renderers never build host files or reports from user text without one of these.
 */

import { stringify } from "yaml";
import { CONTROL_CHARACTER as CONTROL, DOTENV_SAFE, DOTENV_SAFE_TEXT } from "../config/text";

export class EscapeError extends Error {
  constructor(syntax: string, value: string, allowed: string) {
    super(`${syntax}: refused ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}; allowed: ${allowed}`);
    this.name = "EscapeError";
  }
}

/** True when the text holds no control character (escapers that must not echo a secret check first). */
export function isOneLine(value: string): boolean {
  return !CONTROL.test(value);
}

function refuse(syntax: string, value: string, allowed: string): never {
  throw new EscapeError(syntax, value, allowed);
}

/** `{{secret:NAME}}` is shop-apply's template syntax: user text may never spell a token. */
export function noTemplateToken(syntax: string, value: string): string {
  if (value.includes("{{")) refuse(syntax, value, "text without '{{' (reserved for secret tokens)");
  return value;
}

/**
 * Text after a line comment marker (`#` in nginx, INI, systemd, nft, YAML, shell; `;` in PHP
 * INI; `//` in apt.conf): a comment ends at the line break, so every control character
 * becomes a space and the comment can never start a new line.
 */
export function commentText(value: string): string {
  return value.replace(new RegExp(CONTROL.source, "g"), " ");
}

/**
 * `KEY='value'` files read by bash `source`, systemd's EnvironmentFile= and Python alike
 * (envFile.ts): a shell single-quoted word, `'` written as `'\''`; a line break cannot be
 * carried by all three readers, so it is refused. This is also the shell escaper: no host file
 * embeds stack values in shell code other than through such env files.
 */
export function envFileValue(value: string): string {
  if (CONTROL.test(value)) refuse("env file", value, "one line without control characters");
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * A value in Symfony's .env.local, written unquoted: Symfony Dotenv expands `$VAR` and runs
 * `$(…)` in unquoted and double-quoted values, so only an alphabet without `$`, quotes,
 * backslashes, backticks, spaces, `#` and `{` passes (URLs, host names, regions, ids).
 */
export function dotenvValue(value: string): string {
  if (!DOTENV_SAFE.test(value)) refuse(".env.local", value, DOTENV_SAFE_TEXT);
  return value;
}

/**
 * An nginx directive argument. nginx interpolates `$name` in every argument and ends one at
 * `;`, `{`, `}` or whitespace, so the value is double-quoted with `"` and `\` escaped and `$`
 * refused (nginx has no escape for it outside `geo`/`map`).
 */
export function nginxString(value: string): string {
  if (CONTROL.test(value) || value.includes("$")) refuse("nginx", value, "one line without '$' or control characters");
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * A value in an INI file (MariaDB's my.cnf, PHP's php.ini, fail2ban's jails): a line break
 * would start a new `[section]` or key, and `;`/`#` start comments in some readers; quotes are
 * interpreted by PHP and MariaDB differently, so the value is refused rather than quoted.
 */
export function iniValue(value: string): string {
  if (!/^[A-Za-z0-9_.,:/@%+=~ *-]*$/.test(value)) refuse("INI", value, "letters, digits, spaces and _ . , : / @ % + = ~ * -");
  return value;
}

/**
 * A systemd unit setting's value (Description=, OnCalendar=): one line, `%` doubled because
 * systemd expands specifiers such as `%h`, backslashes doubled because C-style escapes apply.
 */
export function systemdValue(value: string): string {
  if (CONTROL.test(value)) refuse("systemd", value, "one line without control characters");
  return value.replace(/\\/g, "\\\\").replace(/%/g, "%%");
}

/**
 * A YAML document (cloud-init user data) from plain data, by the yaml library's serializer:
 * it quotes every scalar that would otherwise read as another type, a comment, an alias or a
 * new key, so no value can change the document's structure.
 */
export function yamlDocument(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

/**
 * Inline Markdown text (audit.md, runbook.md), as GitHub and most renderers read it: every
 * character that starts emphasis, a link, an image, code, a heading, a list, a table cell or
 * raw HTML is escaped, `<`, `>` and `&` become entities, and a line break becomes a space, so
 * the value stays one inline run inside its paragraph, list item or table cell.
 */
export function markdown(value: string): string {
  return commentText(String(value))
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_{}[\]()#+!|~=]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-]|\d+(?=[.)]))/, (_m, space: string, lead: string) => `${space}${lead === "-" ? "\\-" : `${lead}\\`}`);
}

/** Inline code in Markdown: a fence longer than any backtick run inside; line breaks become spaces. */
export function markdownCode(value: string): string {
  const text = commentText(String(value));
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") || text === "" ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}
