import { parseRecords, parseRulesets, type ExistingRecord, type ExistingRuleset } from "./adoption";

/** Cloudflare's API v4; `npm run adopt -- --online` reads each zone's records and rulesets from it. */
export const CLOUDFLARE_API = "https://api.cloudflare.com/client/v4";

interface Envelope {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: unknown;
  result_info?: { page?: number; total_pages?: number };
}

async function get(api: string, token: string, path: string): Promise<Envelope> {
  const res = await fetch(`${api}${path}`, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } });
  const text = await res.text();
  let body: Envelope;
  try {
    body = JSON.parse(text) as Envelope;
  } catch {
    throw new Error(`GET ${path}: HTTP ${res.status}, not JSON`);
  }
  if (!res.ok || body.success === false) {
    const why = (body.errors ?? []).map((e) => `${e.code ?? "?"} ${JSON.stringify(String(e.message ?? "")).slice(0, 120)}`).join("; ");
    throw new Error(`GET ${path}: HTTP ${res.status}${why ? ` (${why})` : ""}: the token needs Zone · DNS · Read and, for rulesets, Zone · Zone WAF · Read`);
  }
  return body;
}

/** Every record of a zone, page by page (the listing files `--records` reads, fetched live). */
export async function fetchRecords(api: string, token: string, zoneId: string): Promise<ExistingRecord[]> {
  const records: ExistingRecord[] = [];
  for (let page = 1, pages = 1; page <= pages; page++) {
    const path = `/zones/${zoneId}/dns_records?per_page=1000&page=${page}`;
    const body = await get(api, token, path);
    records.push(...parseRecords(JSON.stringify({ result: body.result ?? [] }), `GET ${path}`));
    pages = Math.min(body.result_info?.total_pages ?? 1, 1000);
  }
  return records;
}

export async function fetchRulesets(api: string, token: string, zoneId: string): Promise<ExistingRuleset[]> {
  const path = `/zones/${zoneId}/rulesets`;
  return parseRulesets(JSON.stringify(await get(api, token, path)), `GET ${path}`);
}
