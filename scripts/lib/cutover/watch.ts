import { promises as dns } from "dns";
import * as http from "http";
import * as https from "https";

/** What one request to the shop answered: the status and the app node that served it (nginx X-Served-By). */
export interface ShopAnswer {
  status: number;
  /** null when the answer carries no X-Served-By (an old host does not set it). */
  servedBy: string | null;
}

/** One poll through one resolver: its answer for the shop's name, then the shop at that address. */
export interface ProbeResult {
  address?: string;
  answer?: ShopAnswer;
  error?: string;
}

export interface Sample extends ProbeResult {
  resolver: string;
  /** Seconds since the flip started (the stack-file change; the apply runs from there). */
  t: number;
  /** The answer came from where the cutover points. */
  arrived: boolean;
}

export interface ResolverSwitch {
  resolver: string;
  /** Seconds after the flip from which every answer through this resolver came from the new origin; null: not switched. */
  switchedAfter: number | null;
  samples: number;
}

export interface SwitchSummary {
  /** Every resolver switched and stayed for `stable` polls. */
  done: boolean;
  /** The slowest resolver's switch: the cutover's figure. */
  switchedAfter: number | null;
  perResolver: ResolverSwitch[];
  /** The last answer that was not the new origin's, if any. */
  lastOld: { resolver: string; t: number; what: string } | null;
}

export const describeProbe = (p: ProbeResult): string =>
  p.error ? `error: ${p.error}` : `${p.address ?? "?"} → ${p.answer?.status} from ${p.answer?.servedBy ?? "a host without X-Served-By"}`;

/**
 * Per resolver, the switch is the first poll of its final run of arrived answers, when that run
 * is at least `stable` polls long: a resolver that flips back and forth has not switched.
 */
export function summarizeSwitch(samples: Sample[], resolvers: string[], stable: number): SwitchSummary {
  const perResolver = resolvers.map((resolver): ResolverSwitch => {
    const own = samples.filter((s) => s.resolver === resolver).sort((a, b) => a.t - b.t);
    let start = own.length;
    while (start > 0 && own[start - 1].arrived) start--;
    const run = own.length - start;
    return { resolver, switchedAfter: run >= stable ? Math.max(0, own[start].t) : null, samples: own.length };
  });
  const old = samples.filter((s) => !s.arrived).sort((a, b) => b.t - a.t)[0];
  const done = perResolver.every((r) => r.switchedAfter !== null);
  return {
    done,
    switchedAfter: done ? Math.max(...perResolver.map((r) => r.switchedAfter!)) : null,
    perResolver,
    lastOld: old ? { resolver: old.resolver, t: old.t, what: describeProbe(old) } : null,
  };
}

export interface WatchOptions {
  resolvers: string[];
  probe: (resolver: string) => Promise<ProbeResult>;
  arrived: (answer: ShopAnswer) => boolean;
  /** When the flip started (ms since the epoch): sample times count from it. */
  since: number;
  /** When to give up (ms since the epoch), asked after every round: the caller starts the clock once the change is applied. */
  deadline: () => number;
  intervalMs: number;
  stable: number;
  /** Called with each poll that differs from the resolver's previous one. */
  onChange?: (s: Sample) => void;
}

/** Polls every resolver in parallel until each has switched (summarizeSwitch) or the timeout passes. */
export async function watchSwitch(o: WatchOptions): Promise<{ summary: SwitchSummary; samples: Sample[] }> {
  const samples: Sample[] = [];
  const previous = new Map<string, string>();
  for (;;) {
    const round = await Promise.all(
      o.resolvers.map(async (resolver): Promise<Sample> => {
        const p = await o.probe(resolver);
        return { ...p, resolver, t: (Date.now() - o.since) / 1000, arrived: Boolean(p.answer && o.arrived(p.answer)) };
      }),
    );
    for (const s of round) {
      samples.push(s);
      const seen = `${s.arrived} ${describeProbe(s)}`;
      if (previous.get(s.resolver) !== seen) o.onChange?.(s);
      previous.set(s.resolver, seen);
    }
    const summary = summarizeSwitch(samples, o.resolvers, o.stable);
    if (summary.done || Date.now() >= o.deadline()) return { summary, samples };
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}

/** The first IPv4 address `resolver` (ip or ip:port) gives for `hostname`. */
export async function resolveVia(resolver: string, hostname: string, timeoutMs: number): Promise<string> {
  const r = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
  r.setServers([resolver]);
  const addresses = await r.resolve4(hostname);
  if (!addresses.length) throw new Error(`${resolver} has no A record for ${hostname}`);
  return addresses[0];
}

export interface FetchTarget {
  /** The address to connect to; the hostname goes in SNI and Host. */
  address: string;
  port: number;
  hostname: string;
  path: string;
  tls: boolean;
  /** Trust this CA instead of the system's (the lab's edge). */
  ca?: string;
  /** Accept any certificate: an origin behind Cloudflare holds Cloudflare's origin CA, which no client trusts. */
  anyCertificate?: boolean;
  localAddress?: string;
  timeoutMs: number;
}

/** One GET; the answer's status and X-Served-By, the body discarded. */
export function fetchShop(t: FetchTarget): Promise<ShopAnswer> {
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      host: t.address,
      port: t.port,
      path: t.path,
      localAddress: t.localAddress,
      headers: { Host: t.hostname, "User-Agent": "shop-cutover" },
      timeout: t.timeoutMs,
      agent: false,
    };
    const onResponse = (res: http.IncomingMessage) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, servedBy: String(res.headers["x-served-by"] ?? "") || null }));
      res.on("error", reject);
    };
    const req = t.tls ? https.request({ ...options, servername: t.hostname, ca: t.ca, rejectUnauthorized: !t.anyCertificate }, onResponse) : http.request(options, onResponse);
    req.on("timeout", () => req.destroy(new Error(`timed out after ${t.timeoutMs / 1000} s`)));
    req.on("error", reject);
    req.end();
  });
}

/** A poll as customers make it: the resolver's answer, then HTTPS to that address with the shop's name. */
export function customerProbe(hostname: string, opts: { ca?: string; timeoutMs: number }): (resolver: string) => Promise<ProbeResult> {
  return async (resolver) => {
    let address: string;
    try {
      address = await resolveVia(resolver, hostname, opts.timeoutMs);
    } catch (err) {
      return { error: `DNS: ${err instanceof Error ? err.message : String(err)}` };
    }
    try {
      return { address, answer: await fetchShop({ address, port: 443, hostname, path: "/", tls: true, ca: opts.ca, timeoutMs: opts.timeoutMs }) };
    } catch (err) {
      return { address, error: `HTTPS: ${err instanceof Error ? err.message : String(err)}` };
    }
  };
}
