import * as http from "http";

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** One HTTP request from a chosen local address (bounded by timeoutMs); network errors reject. */
export function httpRequest(opts: { host: string; port?: number; path: string; method?: string; from: string; hostHeader?: string; cookie?: string; timeoutMs?: number }): Promise<HttpReply> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.hostHeader) headers.Host = opts.hostHeader;
    if (opts.cookie) headers.Cookie = opts.cookie;
    const req = http.request({ host: opts.host, port: opts.port ?? 80, path: opts.path, method: opts.method ?? "GET", localAddress: opts.from, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8"), ms: Date.now() - started }));
    });
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(new Error(`HTTP ${opts.path}: no answer within ${opts.timeoutMs ?? 5000} ms`)));
    req.on("error", reject);
    req.end();
  });
}
