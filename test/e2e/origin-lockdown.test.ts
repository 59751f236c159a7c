import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { renderOriginLockdown } from "../../components/hostconfig/originLockdown";
import { appNodes } from "../../components/config";
import { freePort, startDaemon, waitFor } from "../helpers/processes";
import { stackSpec } from "../helpers/stacks";
import { requireTool, run, tempDir } from "../helpers/tools";

/**
 * A real nginx with the rendered lock-down in its server block. Loopback stands in for the LB:
 * real_ip trusts X-Forwarded-For from it only, as the app's site does for the LB's private IP.
 */
test("origin lock-down: Cloudflare edges pass, anyone else gets 403, even with a forged X-Forwarded-For", async (t) => {
  if (!requireTool(t, "nginx") || !requireTool(t, "curl")) return;
  const spec = stackSpec("demo");
  assert.ok(spec.dns.cloudflareOnly);
  const dir = tempDir(t);
  const port = await freePort();
  fs.mkdirSync(path.join(dir, "shop.d"));
  // nginx's workers run as nobody when started by root: they must be able to read the page.
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, "www"), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "www", "index.html"), "served\n");
  fs.writeFileSync(path.join(dir, "shop.d", "10-origin-lockdown.conf"), renderOriginLockdown(spec, appNodes(spec)[0]));
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((k) => `  ${k}_temp_path ${dir}/${k};`).join("\n");
  fs.writeFileSync(
    path.join(dir, "nginx.conf"),
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n${temp}\n  server {\n    listen 127.0.0.1:${port};\n` +
      `    set_real_ip_from 127.0.0.1;\n    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;\n    include ${dir}/shop.d/*.conf;\n` +
      // Served in the content phase, after access checks (a `return` would run before them).
      `    location / { root ${dir}/www; }\n  }\n}\n`,
  );
  // startDaemon stops the master gracefully, so it takes its workers with it.
  startDaemon(t, "nginx", ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"], path.join(dir, "nginx.out"));

  const status = (xff?: string) =>
    run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", ...(xff ? ["-H", `X-Forwarded-For: ${xff}`] : []), `http://127.0.0.1:${port}/`]).stdout;
  await waitFor("nginx", () => status() !== "000", 10_000);

  const cases: [string | undefined, string, string][] = [
    [undefined, "200", "LB health check (no X-Forwarded-For)"],
    ["198.51.100.99, 104.16.5.5", "200", "visitor through a Cloudflare edge (IPv4)"],
    ["198.51.100.99, 2606:4700::1", "200", "visitor through a Cloudflare edge (IPv6)"],
    ["198.51.100.99", "403", "direct to the LB, bypassing Cloudflare"],
    ["104.16.5.5, 198.51.100.99", "403", "forged Cloudflare address in front"],
  ];
  for (const [xff, expected, what] of cases) {
    const got = status(xff);
    t.diagnostic(`${what}: X-Forwarded-For ${xff ?? "(none)"} → ${got}`);
    assert.equal(got, expected, what);
  }
});
