import * as assert from "node:assert/strict";
import { test } from "node:test";
import { isIP } from "net";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { appNodes } from "../../components/config";
import { allStacks, stackSpec } from "../helpers/stacks";

test("TRUSTED_PROXIES in .env.local names the proxies exactly: never REMOTE_ADDR, Cloudflare's edges only when proxied", () => {
  for (const stack of allStacks()) {
    const spec = stackSpec(stack);
    const env = renderHostBundle(spec, appNodes(spec)[0]).files.find((f) => f.path.endsWith("/.env.local"))!.content;
    const proxies = /^TRUSTED_PROXIES=(.*)$/m.exec(env)![1].split(",");
    assert.ok(!proxies.includes("REMOTE_ADDR"), `${stack}: ${proxies.join(",")}`);
    for (const p of proxies) assert.ok(isIP(p.split("/")[0]) !== 0, `${stack}: ${p} is an address or CIDR`);
    assert.deepEqual(proxies.slice(0, 2), ["127.0.0.1", spec.network.lbPrivateIp], stack);
    if (spec.dns.proxied) assert.ok(proxies.includes("173.245.48.0/20"), `${stack}: Cloudflare's edges when proxied`);
    else assert.equal(proxies.length, 2, `${stack}: only the LB and loopback when not proxied`);
  }
});
