import type { ShopSpec } from "../../components/config";
import type { PlannedResource } from "./mocks";
import type { Plan } from "./offlinePlan";

/**
 * Adopting what a zone already has (npm run adopt). Cloudflare refuses to create a record that
 * exists (81058 identical, 81053 an A/AAAA/CNAME of that name) and a second entry-point ruleset
 * per phase (20217), and provider v6 has no overwrite flag: the stack imports them instead, under
 * exactly the names and parents the program declares, before the `pulumi up` that would create
 * them. Pure: reads exported records and rulesets, returns the import plan.
 */

const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const RULESET = "cloudflare:index/ruleset:Ruleset";
/** Cloudflare ids: 32 hex digits. Anything else in a file is refused, never echoed into a command. */
const CLOUDFLARE_ID = /^[0-9a-f]{32}$/;

/** One record as the zone has it; `id` is missing in a zone-file (BIND) export. */
export interface ExistingRecord {
  id?: string;
  name: string;
  type: string;
  content: string;
}

export interface ExistingRuleset {
  id: string;
  kind: string;
  phase: string;
  name: string;
}

/** One entry of a `pulumi import --file` document (Pulumi ≥ 3.94: components and parents by name). */
export interface ImportEntry {
  type: string;
  name: string;
  id?: string;
  parent?: string;
  component?: boolean;
}

export interface Adoption {
  /** Resource, URN and what it adopts, in plan order. */
  imports: { resource: PlannedResource; urn: string; parentUrn: string; id: string; what: string }[];
  /** Conflicts that an import cannot solve, or ids a zone-file export does not carry. */
  manual: string[];
  /** What the zone has that collides only after the cutover. */
  later: string[];
  /** The `pulumi import --file` document: the components first, then the resources. */
  file: { resources: ImportEntry[] };
}

const bare = (name: string) => name.toLowerCase().replace(/\.$/, "");

/** Parses a Cloudflare API listing (`{result: [...]}`, an array of them, or a bare array) or a BIND zone export. */
export function parseRecords(text: string, source: string): ExistingRecord[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (err) {
      throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
    }
    const envelopes = Array.isArray(doc) && doc.every((d) => d && typeof d === "object" && "result" in d) ? doc : [doc];
    const items = envelopes.flatMap((e) => (Array.isArray(e) ? e : (e as { result?: unknown }).result)).filter((r) => r !== undefined);
    return items.map((r, i) => {
      const rec = r as Record<string, unknown>;
      if (typeof rec?.name !== "string" || typeof rec.type !== "string" || typeof rec.id !== "string")
        throw new Error(`${source}: record ${i}: found ${JSON.stringify(r)?.slice(0, 80)}; allowed: a Cloudflare DNS record with id, name and type`);
      if (!CLOUDFLARE_ID.test(rec.id)) throw new Error(`${source}: record ${i}: id found ${JSON.stringify(rec.id).slice(0, 80)}; allowed: 32 hex digits`);
      return { id: rec.id, name: bare(rec.name), type: rec.type.toUpperCase(), content: String(rec.content ?? "") };
    });
  }
  return parseZoneFile(text);
}

/** The dashboard's "Export" (BIND): names, types and contents, but no record ids. */
function parseZoneFile(text: string): ExistingRecord[] {
  let origin = "";
  let last = "";
  const records: ExistingRecord[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/;.*$/, "").trimEnd();
    if (!line.trim()) continue;
    const origin_ = /^\$ORIGIN\s+(\S+)/i.exec(line);
    if (origin_) {
      origin = bare(origin_[1]);
      continue;
    }
    if (line.startsWith("$")) continue;
    const tokens = line.trim().split(/\s+/);
    let name = /^\s/.test(line) ? last : tokens.shift()!;
    last = name;
    while (tokens.length && (/^\d+$/.test(tokens[0]) || /^(IN|CH|HS)$/i.test(tokens[0]))) tokens.shift();
    const type = tokens.shift()?.toUpperCase();
    if (!type) continue;
    if (name === "@") name = origin;
    else if (!name.endsWith(".")) name = origin ? `${name}.${origin}` : name;
    records.push({ name: bare(name), type, content: tokens.join(" ") });
  }
  return records;
}

/** Parses `GET /zones/:zone_id/rulesets` (the envelope or its result array). */
export function parseRulesets(text: string, source: string): ExistingRuleset[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  const items = Array.isArray(doc) ? doc : (doc as { result?: unknown[] })?.result;
  if (!Array.isArray(items)) throw new Error(`${source}: found no "result" list; allowed: the answer of GET /zones/<zone id>/rulesets`);
  return items.map((r, i) => {
    const rs = r as Record<string, unknown>;
    if (typeof rs?.id !== "string" || !CLOUDFLARE_ID.test(rs.id) || typeof rs.phase !== "string" || typeof rs.kind !== "string")
      throw new Error(`${source}: ruleset ${i}: found ${JSON.stringify(r)?.slice(0, 80)}; allowed: a ruleset with a 32-hex id, kind and phase`);
    return { id: rs.id, kind: rs.kind, phase: rs.phase, name: String(rs.name ?? "") };
  });
}

/** The URN the engine gives a declared resource: the type chain of its parents, then its own. */
export function urnOf(plan: Pick<Plan, "stack" | "project" | "resources">, r: PlannedResource): string {
  const chain: string[] = [];
  for (let at: PlannedResource | undefined = r; at; at = at.parent ? componentNamed(plan, at.parent) : undefined) chain.unshift(at.type);
  return `urn:pulumi:${plan.stack}::${plan.project}::${chain.join("$")}::${r.name}`;
}

function componentNamed(plan: Pick<Plan, "resources">, name: string): PlannedResource {
  const found = plan.resources.find((c) => c.name === name && c.type.startsWith("shop:"));
  if (!found) throw new Error(`the plan has no component ${name}`);
  return found;
}

/** Every import the stack needs before its first `pulumi up`, from what its zones already hold. */
export function planAdoption(
  plan: Pick<Plan, "stack" | "project" | "resources">,
  spec: ShopSpec,
  existing: ExistingRecord[],
  rulesets: Map<string, ExistingRuleset[]>,
): Adoption {
  const adoption: Adoption = { imports: [], manual: [], later: [], file: { resources: [] } };
  const zoneOf = (zoneId: unknown) => spec.domains.find((d) => d.zoneId === zoneId)!;
  const declared = plan.resources.filter((r) => r.type === DNS_RECORD);
  const declaredNames = new Set(declared.map((r) => bare(String(r.inputs.name))));

  for (const r of declared) {
    const name = bare(String(r.inputs.name));
    const type = String(r.inputs.type);
    const same = existing.filter((e) => e.name === name && e.type === type);
    const cname = existing.filter((e) => e.name === name && e.type === "CNAME");
    for (const c of cname) adoption.manual.push(`${name}: a CNAME (to ${JSON.stringify(c.content)}) blocks the stack's ${type} record (81053); delete it right before pulumi up`);
    if (!same.length) continue;
    // Prefer the record that already says what the stack declares: the import is then a no-op.
    const pick = same.find((e) => e.content === r.inputs.content) ?? same[0];
    for (const extra of same.filter((e) => e !== pick))
      adoption.manual.push(`${name}: a second ${type} record (${JSON.stringify(extra.content)}) would stay in round robin with the stack's; delete it`);
    if (!pick.id) {
      adoption.manual.push(`${name}: ${type} ${JSON.stringify(pick.content)} exists, but a zone-file export has no record ids: give the API listing (see README)`);
      continue;
    }
    const zone = zoneOf(r.inputs.zoneId);
    adoption.imports.push({
      resource: r,
      urn: urnOf(plan, r),
      parentUrn: urnOf(plan, componentNamed(plan, r.parent!)),
      id: `${zone.zoneId}/${pick.id}`,
      what: `${type} ${name} → ${JSON.stringify(pick.content)} (the stack sets ${JSON.stringify(r.inputs.content)})`,
    });
  }

  // Before the cutover the stack declares one address family; the other collides once it is lb.
  if (spec.dns.target !== "lb")
    for (const e of existing)
      if (declaredNames.has(e.name) && (e.type === "A" || e.type === "AAAA") && !declared.some((r) => bare(String(r.inputs.name)) === e.name && r.inputs.type === e.type))
        adoption.later.push(`${e.name}: ${e.type} ${JSON.stringify(e.content)} collides once dns.target is lb: run npm run adopt again with that change, before its pulumi up`);

  for (const r of plan.resources.filter((x) => x.type === RULESET)) {
    const zone = zoneOf(r.inputs.zoneId);
    const listed = rulesets.get(zone.zone);
    if (!listed) {
      adoption.manual.push(`${zone.zone}: no ruleset listing given: if the zone has custom WAF rules, its ${String(r.inputs.phase)} entry point must be imported (20217)`);
      continue;
    }
    const entry = listed.find((x) => x.kind === "zone" && x.phase === r.inputs.phase);
    if (entry)
      adoption.imports.push({
        resource: r,
        urn: urnOf(plan, r),
        parentUrn: urnOf(plan, componentNamed(plan, r.parent!)),
        id: `zones/${zone.zoneId}/${entry.id}`,
        what: `${zone.zone}'s ${entry.phase} entry point ${JSON.stringify(entry.name)}: its rules become the stack's on the next up (preview --diff lists the ones it removes)`,
      });
  }

  // The import file: every component on the way to an imported resource, parents by name.
  const components = new Map<string, PlannedResource>();
  for (const { resource } of adoption.imports)
    for (let p = resource.parent; p; p = components.get(p)?.parent ?? null) components.set(p, componentNamed(plan, p));
  const ordered = plan.resources.filter((r) => components.has(r.name) && r.type.startsWith("shop:"));
  adoption.file.resources = [
    ...ordered.map((c) => ({ type: c.type, name: c.name, component: true, ...(c.parent ? { parent: c.parent } : {}) })),
    ...adoption.imports.map(({ resource, id }) => ({ type: resource.type, name: resource.name, id, parent: resource.parent! })),
  ];
  return adoption;
}

/** Shell-quotes a value for the printed commands (names come from the program, ids are hex). */
