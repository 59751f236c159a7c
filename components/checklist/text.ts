import type { Lang, Localized, Provenance } from "./types";

/**
 * Report text in both languages, written once where it is judged. German follows the operators'
 * own terms (Prüfbericht, Nachweis, Befund, Rufbereitschaft, zum Primary hochstufen) and German
 * number formatting (24,49 €, 1.000 GB).
 */
export function l(en: string, de: string): Localized {
  return { en, de };
}

/** A number as the language writes it: 24.49 / 24,49; thousands 1,000 / 1.000. */
export function num(n: number, lang: Lang, fractionDigits?: number): string {
  const opts: Intl.NumberFormatOptions = fractionDigits === undefined ? { maximumFractionDigits: 2 } : { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits };
  return new Intl.NumberFormat(lang === "de" ? "de-DE" : "en-GB", opts).format(n);
}

/** A monthly amount: "24.49" in English tables, "24,49" in German ones. */
export function euro(n: number, lang: Lang): string {
  return num(n, lang, 2);
}

/** A list, or the language's word for none. */
export function list(items: string[], lang: Lang, sep = ", "): string {
  return items.length ? items.join(sep) : lang === "de" ? "keine" : "none";
}

/** Builds both languages from one template function. */
export function both(f: (lang: Lang) => string): Localized {
  return { en: f("en"), de: f("de") };
}

export const onOff = (on: boolean, lang: Lang) => (lang === "de" ? (on ? "an" : "aus") : on ? "on" : "off");

/** The provenance block every report starts with. */
export function provenanceLines(p: Provenance, lang: Lang): string[] {
  const when = p.generatedAt.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");
  const tree = p.dirty === undefined ? "" : p.dirty ? (lang === "de" ? " (mit nicht eingecheckten Änderungen)" : " (with uncommitted changes)") : lang === "de" ? " (sauber)" : " (clean)";
  return lang === "de"
    ? [`- Erzeugt: ${when}`, `- Commit: ${p.commit}${tree}`, `- Stack-Datei: ${p.stackFile} (sha256 ${p.stackFileSha256})`, `- Werkzeug: ${p.tool}`]
    : [`- Generated: ${when}`, `- Commit: ${p.commit}${tree}`, `- Stack file: ${p.stackFile} (sha256 ${p.stackFileSha256})`, `- Tool: ${p.tool}`];
}
