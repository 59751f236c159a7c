/**
 * The longest gap between two elapses of a systemd OnCalendar expression, in seconds: what a
 * freshness check must tolerate. Covers the forms stack files use (keywords, `[weekdays]
 * *-*-* H:M[:S]` with lists, ranges and steps, `*-*-DD` for monthly); anything else throws
 * with the expression named. test/render checks it against `systemd-analyze calendar`.
 */
const KEYWORDS: Record<string, number> = {
  minutely: 60,
  hourly: 3600,
  daily: 86400,
  weekly: 7 * 86400,
  monthly: 31 * 86400,
  quarterly: 92 * 86400,
  semiannually: 184 * 86400,
  yearly: 366 * 86400,
  annually: 366 * 86400,
};
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const MINUTES_PER_WEEK = 7 * 1440;

function unsupported(expr: string): Error {
  return new Error(`OnCalendar "${expr}": only keywords, "[weekdays] *-*-* H:M[:S]" and "*-*-DD H:M" are understood for the freshness limit`);
}

/** A numeric calendar field (`*`, `N`, `A..B`, `A/S`, `*\/S`, comma lists) as the values it matches. */
function fieldValues(field: string, size: number, expr: string): number[] {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const [base, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number, hi: number;
    if (base === "*") [lo, hi] = [0, size - 1];
    else if (base.includes("..")) [lo, hi] = base.split("..").map(Number) as [number, number];
    else [lo, hi] = [Number(base), stepText === undefined ? Number(base) : size - 1];
    if (![lo, hi, step].every(Number.isInteger) || step < 1 || lo < 0 || hi >= size || lo > hi) throw unsupported(expr);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

function weekdayValues(field: string, expr: string): number[] {
  const out = new Set<number>();
  for (const part of field.toLowerCase().split(",")) {
    // systemd takes the three-letter or the full English name, nothing in between.
    const [from, to] = part.split("..").map((d) => Math.max(WEEKDAYS.indexOf(d), WEEKDAY_NAMES.indexOf(d)));
    const end = to ?? from;
    if (from < 0 || end < 0 || end < from) throw unsupported(expr);
    for (let d = from; d <= end; d++) out.add(d);
  }
  return [...out];
}

export function calendarIntervalSeconds(expr: string): number {
  const text = expr.trim().replace(/\s+/g, " ");
  if (KEYWORDS[text.toLowerCase()] !== undefined) return KEYWORDS[text.toLowerCase()];
  const parts = text.split(" ");
  const time = parts.pop() ?? "";
  let days = [0, 1, 2, 3, 4, 5, 6];
  let date = "*-*-*";
  if (parts.length === 2) [days, date] = [weekdayValues(parts[0], expr), parts[1]];
  else if (parts.length === 1 && /^\d|\*/.test(parts[0])) date = parts[0];
  else if (parts.length === 1) days = weekdayValues(parts[0], expr);
  else if (parts.length > 2) throw unsupported(expr);
  const [hourField, minuteField, ...rest] = time.split(":");
  if (minuteField === undefined || rest.length > 1) throw unsupported(expr);
  const hours = fieldValues(hourField, 24, expr);
  const minutes = fieldValues(minuteField, 60, expr);
  if (rest.length) fieldValues(rest[0], 60, expr);
  const monthDay = /^\*-\*-(\d{1,2})$/.exec(date);
  if (monthDay) {
    if (Number(monthDay[1]) < 1 || Number(monthDay[1]) > 31) throw unsupported(expr);
    return KEYWORDS.monthly;
  }
  if (date !== "*-*-*") throw unsupported(expr);
  const elapses = days.flatMap((d) => hours.flatMap((h) => minutes.map((m) => d * 1440 + h * 60 + m))).sort((a, b) => a - b);
  let gap = elapses[0] + MINUTES_PER_WEEK - elapses[elapses.length - 1];
  for (let i = 1; i < elapses.length; i++) gap = Math.max(gap, elapses[i] - elapses[i - 1]);
  return gap * 60;
}

/** Why an OnCalendar expression is refused, or undefined when this module (and systemd) accept it. */
export function calendarProblem(expr: string): string | undefined {
  try {
    calendarIntervalSeconds(expr);
    return undefined;
  } catch {
    return 'a systemd OnCalendar expression of the forms hourly/daily/weekly/…, "[Mon..Fri] *-*-* HH:MM[:SS]" or "*-*-DD HH:MM" with hours 0–23, minutes and seconds 0–59, days 1–31';
  }
}
