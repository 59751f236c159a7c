import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { appNodes } from "../../components/config";
import { inspectRelease, shopwareVersionOf } from "../../scripts/lib/deploy/release";
import { deployOrder, waitsForLb, parseStatus, releaseId, RELEASE_ID_PATTERN, rollbackTarget, rolloutOrder, NodeStatus } from "../../scripts/lib/deploy/steps";
import { nodesFromHosts } from "../../scripts/lib/deploy/targets";
import { sitemapLocs } from "../../scripts/lib/deploy/warm";
import { buildStandInRelease } from "../../scripts/lab/standins/shopware";
import { stackSpec } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

const spec = stackSpec("demo");

test("deploy: release ids sort by time, carry the content hash and pass shop-release's own pattern", () => {
  const id = releaseId(new Date("2026-12-02T22:15:00.123Z"), "3fa9c2d1ffff");
  assert.equal(id, "20261202T221500Z-3fa9c2d1");
  assert.match(id, RELEASE_ID_PATTERN);
  const script = fs.readFileSync(path.join(__dirname, "../../components/files/shop-release.sh"), "utf8");
  const hostPattern = /\[\[ \$\{1:-\} =~ (\S+) \]\]/.exec(script)![1];
  assert.match(id, new RegExp(hostPattern));
  for (const bad of ["../etc", ".hidden", "a/b", "x", "a b"]) assert.doesNotMatch(bad, RELEASE_ID_PATTERN, bad);
});

test("deploy: the scheduler's node goes first, so the deployment helper runs where the scheduler does", () => {
  const order = rolloutOrder(spec);
  assert.deepEqual(order.map((n) => n.name).sort(), appNodes(spec).map((n) => n.name).sort());
  assert.ok(order[0].scheduler);
  assert.ok(order.slice(1).every((n) => !n.scheduler));
});

test("deploy: a node that serves no release yet (a rebuilt server) goes first, so no serving node is drained while it has nothing to serve", () => {
  const nodes = rolloutOrder(spec).map((node) => ({ node }));
  const [first, second] = nodes.map((n) => n.node.name);
  const serving = (names: string[]) => (name: string) => (names.includes(name) ? "r1" : "");
  assert.deepEqual(deployOrder(nodes, serving([first, second])).map((n) => n.node.name), [first, second], "every node serves: the scheduler's first");
  assert.deepEqual(deployOrder(nodes, serving([first])).map((n) => n.node.name), [second, first], "the rebuilt node first");
  assert.deepEqual(deployOrder(nodes, serving([])).map((n) => n.node.name), [first, second], "a first deploy: the scheduler's first");
  // The rebuilt node must be in the LB before the serving one after it is drained.
  const rebuilt = deployOrder(nodes, serving([first]));
  assert.deepEqual([0, 1].map((i) => waitsForLb(rebuilt, i, serving([first]))), [true, true]);
  assert.deepEqual([0, 1].map((i) => waitsForLb(nodes, i, serving([]))), [false, false], "a first deploy hands back no traffic");
  assert.deepEqual([0, 1].map((i) => waitsForLb(nodes, i, serving([first, second]))), [true, true]);
});

const status = (current: string, previous: string, drained = false): NodeStatus => ({ current, previous, drained, maintenance: false, releases: [current, previous].filter(Boolean) });

test("deploy: shop-release status parses; the preflight's extra lines too", () => {
  const s = parseStatus("free_kib=1048576\nwritable=yes\ncurrent=r2\nprevious=r1\ndrained=yes\nmaintenance=off\nreleases=r1 r2\n");
  assert.deepEqual(s, { current: "r2", previous: "r1", drained: true, maintenance: false, releases: ["r1", "r2"], freeKib: 1048576, writable: true });
  assert.deepEqual(parseStatus("current=\nprevious=\ndrained=no\nmaintenance=on\nreleases=\n"), { current: "", previous: "", drained: false, maintenance: true, releases: [] });
});

test("deploy: a rollback returns to the untouched node's release after a stopped deploy, else to the common previous one", () => {
  // Stopped on the first node: it runs r3, the second still r2.
  assert.deepEqual(rollbackTarget([{ node: "app-1", status: status("r3", "r2", true) }, { node: "app-2", status: status("r2", "r1") }]), { release: "r2" });
  // Completed: both on r3, both came from r2.
  assert.deepEqual(rollbackTarget([{ node: "app-1", status: status("r3", "r2") }, { node: "app-2", status: status("r3", "r2") }]), { release: "r2" });
  const disagree = rollbackTarget([{ node: "app-1", status: status("r3", "r2") }, { node: "app-2", status: status("r3", "r1") }]);
  assert.ok("problem" in disagree && /--to ID/.test(disagree.problem));
  const none = rollbackTarget([{ node: "app-1", status: status("r1", "") }]);
  assert.ok("problem" in none && /nothing to roll back/.test(none.problem));
});

test("deploy: the preflight accepts a built release and names every problem of a bad one together", (t) => {
  const good = buildStandInRelease(path.join(tempDir(t, "release-"), "good"), spec);
  assert.deepEqual(inspectRelease(good, spec).problems, []);
  assert.equal(inspectRelease(good, spec).version, spec.shopware.version);

  const bad = buildStandInRelease(path.join(tempDir(t, "release-"), "bad"), spec);
  fs.rmSync(path.join(bad, "vendor/bin/shopware-deployment-helper"));
  fs.mkdirSync(path.join(bad, "public/media"), { recursive: true });
  fs.writeFileSync(path.join(bad, "public/media/a.jpg"), "img");
  fs.writeFileSync(path.join(bad, "vendor/composer/installed.json"), JSON.stringify({ packages: [{ name: "shopware/core", version: "v6.6.10.4" }] }));
  const problems = inspectRelease(bad, spec).problems;
  assert.equal(problems.length, 3, problems.join("\n"));
  assert.match(problems.join("\n"), /shopware-deployment-helper is missing/);
  assert.match(problems.join("\n"), /not on the stack's line 6\.7/);
  assert.match(problems.join("\n"), /public\/media holds files/);

  assert.equal(shopwareVersionOf(JSON.stringify([{ name: "shopware/core", version: "6.6.10.4" }])), "6.6.10.4");
  assert.equal(shopwareVersionOf("not json"), undefined);
  fs.writeFileSync(path.join(bad, "vendor/composer/installed.json"), JSON.stringify({ packages: [{ name: "shopware/core", version: "dev-trunk" }] }));
  assert.match(inspectRelease(bad, spec).problems.join("\n"), /version "dev-trunk"; allowed: a release version/);
});

test("deploy: hosts come from the stack's outputs, every app node once with a public IPv4", () => {
  const apps = appNodes(spec);
  const outputs = { hosts: apps.map((n, i) => ({ name: n.name, roles: n.roles, publicIpv4: `203.0.113.${10 + i}`, privateIp: n.privateIp })) };
  const found = nodesFromHosts(spec, JSON.stringify(outputs), "hosts.json", "ci-deploy");
  assert.ok("nodes" in found);
  assert.deepEqual(found.nodes.map((n) => n.target.ssh.at(-1)), apps.map((_, i) => `ci-deploy@203.0.113.${10 + i}`));
  const broken = nodesFromHosts(spec, JSON.stringify([{ name: apps[0].name, publicIpv4: "203.0.113.10; rm -rf /" }]), "hosts.json", "ci-deploy");
  assert.ok("problems" in broken);
  assert.equal(broken.problems.length, apps.length, broken.problems.join("\n"));
  assert.match(broken.problems.join("\n"), /publicIpv4 is "203\.0\.113\.10; rm -rf \/"; allowed: an IPv4 address/);
  assert.match(broken.problems.join("\n"), new RegExp(`no entry for node ${apps[1].name}`));
});

test("deploy: the warm-up reads a sitemap index and its sitemaps, entities decoded", () => {
  assert.deepEqual(sitemapLocs("<sitemapindex><sitemap><loc>https://s.example/sitemap/a.xml.gz</loc></sitemap></sitemapindex>"), { urls: [], sitemaps: ["https://s.example/sitemap/a.xml.gz"] });
  assert.deepEqual(sitemapLocs("<urlset><url><loc> https://s.example/a?x=1&amp;y=2 </loc><lastmod>2026</lastmod></url></urlset>").urls, ["https://s.example/a?x=1&y=2"]);
});
