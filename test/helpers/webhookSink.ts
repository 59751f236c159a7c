import * as http from "http";
import type { AddressInfo } from "net";
import type { TestContext } from "node:test";

export interface SinkRequest {
  path: string;
  body: string;
  json: unknown;
  /** process.hrtime-free wall clock (ms) when the request was complete. */
  receivedAt: number;
}

export interface WebhookSink {
  url: string;
  requests: SinkRequest[];
  /** Answer the next `count` requests to paths starting with `prefix` with HTTP 503. */
  failNext(prefix: string, count: number): void;
}

/** An HTTP server on 127.0.0.1 (random port) that records every request; closed after the test. */
export async function startWebhookSink(t: TestContext): Promise<WebhookSink> {
  const requests: SinkRequest[] = [];
  const failures: { prefix: string; left: number }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const path = req.url ?? "/";
      const failure = failures.find((f) => f.left > 0 && path.startsWith(f.prefix));
      if (failure) {
        failure.left--;
        res.writeHead(503).end("try again");
        return;
      }
      let json: unknown = undefined;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ path, body, json, receivedAt: Date.now() });
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, failNext: (prefix, count) => failures.push({ prefix, left: count }) };
}
