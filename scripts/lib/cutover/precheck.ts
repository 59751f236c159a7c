import type { ShopSpec } from "../../../components/config";
import type { PrecheckResult } from "./run";
import { fetchShop, FetchTarget, ShopAnswer } from "./watch";

/** Asks `where` for every hostname of the shop, as a customer's browser would once DNS points there. */
export async function precheckHostnames(spec: ShopSpec, where: (hostname: string) => FetchTarget, isDestination: (a: ShopAnswer) => boolean): Promise<PrecheckResult> {
  const lines: string[] = [];
  let ok = true;
  for (const hostname of spec.hostnames) {
    const t = where(hostname);
    const at = `${hostname} at ${t.address}:${t.port}`;
    try {
      const a = await fetchShop(t);
      const good = isDestination(a);
      ok &&= good;
      lines.push(`${at}: ${a.status} from ${a.servedBy ?? "a host without X-Served-By"}${good ? "" : " (not what the destination serves)"}`);
    } catch (err) {
      ok = false;
      lines.push(`${at}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { ok, lines };
}
