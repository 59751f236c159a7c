import { sleep } from "../proc";
import { sinkRecords } from "../standins/sink";
import type { LabContext } from "./context";

/** shop-health runs minutely: one run plus delivery retries must fit in here. */
const ALERT_WAIT_MS = 150_000;

/** Alert texts the sink received since record number `from` (Slack's `text`, else the raw body). */
export function alertTexts(ctx: LabContext, from: number): { at: number; text: string }[] {
  return sinkRecords(ctx.names)
    .slice(from)
    .filter((r) => r.path?.startsWith("/hook/"))
    .map((r) => {
      let text = r.body;
      try {
        const body = JSON.parse(r.body) as { text?: string; summary?: string; payload?: { summary?: string } };
        text = body.text ?? body.payload?.summary ?? body.summary ?? r.body;
      } catch {
        // not JSON: keep the raw body
      }
      return { at: Date.parse(r.at), text };
    });
}

export async function waitForAlert(ctx: LabContext, from: number, what: string, match: (text: string) => boolean): Promise<number> {
  const deadline = Date.now() + ALERT_WAIT_MS;
  while (Date.now() < deadline) {
    const hit = alertTexts(ctx, from).find((a) => match(a.text));
    if (hit) return hit.at;
    await sleep(1000);
  }
  const seen = alertTexts(ctx, from).map((a) => a.text);
  throw new Error(`no ${what} alert reached the webhook sink within ${ALERT_WAIT_MS / 1000} s; it received: ${seen.length ? seen.join(" | ") : "nothing"}`);
}
