import type { TLSSocket } from "tls";
import { requestVia, WarmOrigin } from "../deploy/warm";

export interface PublicCheck {
  url: string;
  status: number | null;
  ms: number;
  /** Which app node answered (the nginx X-Served-By header). */
  servedBy: string | null;
  /** The certificate the client saw; null over plain HTTP (the lab's LB stand-in). */
  certificate: { validTo: string; days: number } | null;
  error: string | null;
}

/** The shop's health check as a customer reaches it (DNS, TLS, Cloudflare, LB, a node): one bounded GET. */
export function checkPublicUrl(url: string, origin: WarmOrigin, now: Date, timeoutMs = 10_000): Promise<PublicCheck> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const done = (partial: Partial<PublicCheck>) =>
      resolve({ url, status: null, servedBy: null, certificate: null, error: null, ...partial, ms: Date.now() - t0 });
    const req = requestVia(url, origin, "shop-status", timeoutMs, (res) => {
      const socket = res.socket as TLSSocket;
      const peer = typeof socket.getPeerCertificate === "function" ? socket.getPeerCertificate() : undefined;
      const certificate = peer?.valid_to ? { validTo: new Date(peer.valid_to).toISOString(), days: (new Date(peer.valid_to).getTime() - now.getTime()) / 86_400_000 } : null;
      res.resume();
      res.on("end", () => done({ status: res.statusCode ?? 0, servedBy: String(res.headers["x-served-by"] ?? "") || null, certificate }));
    });
    req.on("error", (err) => done({ error: err.message }));
    req.end();
  });
}
