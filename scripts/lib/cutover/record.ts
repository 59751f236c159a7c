import * as fs from "fs";
import * as path from "path";
import { isIp } from "../../../components/config";
import type { ResolverSwitch } from "./watch";

/** One cutover or rollback as out/<stack>/cutover/<stamp>.json keeps it: --rollback and the audit (OPS-4) read it. */
export interface CutoverRecord {
  stack: string;
  /** When the flip started (ISO). */
  at: string;
  /** shop:dns.target before and after. */
  from: string;
  to: string;
  ok: boolean;
  applySeconds: number;
  /** Seconds from the flip until every resolver answered from `to` (null: not within the watch). */
  switchedAfter: number | null;
  perResolver: ResolverSwitch[];
  lastOld: { resolver: string; t: number; what: string } | null;
  applyError?: string;
}

/** Under out/<stack>/: the plan keeps it when it replaces the directory. */
export const CUTOVER_DIR = "cutover";
/** Milliseconds kept: a rollback right after a cutover must not overwrite its record. */
const RECORD_FILE = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(\.\d{3})?Z\.json$/;
const PRINTABLE = /^[\x20-\x7e]{0,300}$/;

/** Writes <stamp>.json into dir by temp file + rename; returns its path. */
export function writeCutoverRecord(dir: string, r: CutoverRecord): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${r.at.replace(/:/g, "-")}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(r, null, 2) + "\n");
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

const target = (v: unknown): v is string => typeof v === "string" && (v === "lb" || isIp(v));
const seconds = (v: unknown) => v === null || (typeof v === "number" && Number.isFinite(v) && v >= 0);

/**
 * The newest well-formed record in dir (the newest that went to `to`, when given), or undefined.
 * The files are read as untrusted: a record with a field out of shape is skipped.
 */
export function latestCutover(dir: string, to?: string): (CutoverRecord & { file: string }) | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => RECORD_FILE.test(n)).sort().reverse();
  } catch {
    return undefined;
  }
  for (const file of names) {
    let r: CutoverRecord;
    try {
      r = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as CutoverRecord;
    } catch {
      continue;
    }
    const wellFormed =
      typeof r.at === "string" &&
      !Number.isNaN(Date.parse(r.at)) &&
      target(r.from) &&
      target(r.to) &&
      typeof r.ok === "boolean" &&
      seconds(r.applySeconds) &&
      seconds(r.switchedAfter) &&
      Array.isArray(r.perResolver) &&
      r.perResolver.every((p) => typeof p.resolver === "string" && PRINTABLE.test(p.resolver) && seconds(p.switchedAfter));
    if (!wellFormed || (to !== undefined && (r.to !== to || !r.ok))) continue;
    return { ...r, file };
  }
  return undefined;
}
