import * as http from "http";
import * as https from "https";
import { gunzipSync } from "zlib";

/** Where requests go: the URL's own host, or (the lab) a fixed address with the URL's host as Host header. */
export interface WarmOrigin {
  connectTo?: { host: string; port: number };
  /** The source address (the lab's client address, as the origin lock-down sees it). */
  localAddress?: string;
}

interface Fetched {
  status: number;
  body: Buffer;
}

/** One GET of `url` through `origin` (the URL's host as Host header), bounded; the caller reads the answer. */
export function requestVia(url: string, origin: WarmOrigin, userAgent: string, timeoutMs: number, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
  const u = new URL(url);
  const direct = origin.connectTo;
  const lib = direct || u.protocol === "http:" ? http : https;
  const req = lib.request(
    {
      host: direct?.host ?? u.hostname,
      port: direct?.port ?? (u.port || undefined),
      path: `${u.pathname}${u.search}`,
      localAddress: origin.localAddress,
      headers: { Host: u.host, "User-Agent": userAgent },
      timeout: timeoutMs,
      agent: false,
    },
    onResponse,
  );
  req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs / 1000} s`)));
  return req;
}

function fetchUrl(url: string, origin: WarmOrigin, timeoutMs = 30_000): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = requestVia(url, origin, "shop-deploy-warmup", timeoutMs, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** `<loc>` values of a sitemap or sitemap index (XML entities decoded). */
export function sitemapLocs(xml: string): { urls: string[]; sitemaps: string[] } {
  const decode = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
  const locs = (tag: string) => [...xml.matchAll(new RegExp(`<${tag}>\\s*<loc>\\s*([^<]+?)\\s*</loc>`, "g"))].map((m) => decode(m[1]));
  return { urls: locs("url"), sitemaps: locs("sitemap") };
}

export interface WarmResult {
  urls: number;
  failed: number;
  seconds: number;
  medianMs: number;
  line: string;
}

/**
 * Fetches every page the shop's sitemap names (Shopware: /sitemap.xml, an index of gzip'd
 * sitemaps), `concurrency` at a time, so the first customers after a deploy or a move hit a warm
 * HTTP cache. Bounded by maxUrls; a missing sitemap is reported, not fatal.
 */
export async function warmFromSitemap(appUrl: string, origin: WarmOrigin, opts: { concurrency: number; maxUrls: number }): Promise<WarmResult> {
  const started = Date.now();
  const urls: string[] = [];
  const queue = [`${appUrl.replace(/\/$/, "")}/sitemap.xml`];
  let sitemapsRead = 0;
  while (queue.length && urls.length < opts.maxUrls && sitemapsRead < 100) {
    const sitemap = queue.shift()!;
    sitemapsRead++;
    let fetched: Fetched;
    try {
      fetched = await fetchUrl(sitemap, origin);
    } catch (err) {
      return done(0, 0, [], `cache warm-up skipped: ${sitemap} failed (${(err as Error).message})`);
    }
    if (fetched.status !== 200) return done(0, 0, [], `cache warm-up skipped: ${sitemap} answered ${fetched.status}`);
    const xml = (sitemap.endsWith(".gz") ? gunzipSync(fetched.body) : fetched.body).toString("utf8");
    const found = sitemapLocs(xml);
    queue.push(...found.sitemaps);
    urls.push(...found.urls.slice(0, opts.maxUrls - urls.length));
  }
  const times: number[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++];
      const t = Date.now();
      try {
        const r = await fetchUrl(url, origin);
        if (r.status >= 400) failed++;
      } catch {
        failed++;
      }
      times.push(Date.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
  return done(urls.length, failed, times, "");

  function done(count: number, failures: number, ms: number[], skipped: string): WarmResult {
    const seconds = (Date.now() - started) / 1000;
    const sorted = [...ms].sort((a, b) => a - b);
    const medianMs = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
    const line = skipped || `cache warm-up: ${count} URLs from the sitemap in ${seconds.toFixed(1)} s (${opts.concurrency} at a time, median ${medianMs} ms, ${failures} failed)`;
    return { urls: count, failed: failures, seconds, medianMs, line };
  }
}
