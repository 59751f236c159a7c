import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { appNodes } from "../../components/config";
import { labUserData, planMachine } from "../../scripts/lab/hosts";
import { hostUnits, imagePackages, roleUnits } from "../../scripts/lab/image";
import { labNames, vethNames } from "../../scripts/lab/paths";
import { renderHaproxyConfig } from "../../scripts/lab/standins/haproxy";
import { LAB_READONLY_USER, labSpec, writeLabStack } from "../../scripts/lab/stackFile";
import { readTopology } from "../../scripts/lab/topology";
import { allStacks, planCli } from "../helpers/stacks";
import { requireTool, run, tempDir } from "../helpers/tools";

const LAB_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHlabLABlabLABlabLABlabLABlabLABlabLABlabLABla lab@test";

test("lab names: every interface name fits Linux's 15 characters and differs between stacks", () => {
  const stacks = [...allStacks(), "a-very-long-customer-stack-name.with_dots"];
  const ifnames = stacks.flatMap((s) => {
    const n = labNames(s);
    return [n.privateBridge, n.publicBridge, ...[0, 9, 90].flatMap((i) => Object.values(vethNames(s, i)))];
  });
  for (const name of ifnames) assert.ok(name.length <= 15, `${name} is ${name.length} characters`);
  assert.equal(new Set(ifnames).size, ifnames.length, "interface names collide");
});

for (const stack of allStacks()) {
  test(`lab ${stack}: topology, user-data, image packages and HAProxy config come from the plan`, (t) => {
    const dir = tempDir(t);
    const stackFile = writeLabStack(stack, path.join(dir, "stack"), LAB_KEY);
    const spec = labSpec(stackFile, stack);
    assert.ok(spec.users.some((u) => u.name === LAB_READONLY_USER && u.role === "readonly"));
    const r = planCli(["--file", stackFile], path.join(dir, "plan"));
    assert.equal(r.status, 0, r.stderr);
    const topo = readTopology(spec, path.join(dir, "plan"));

    assert.deepEqual(topo.hosts.map((h) => h.name).sort(), spec.nodes.map((n) => n.name).sort());
    assert.deepEqual(topo.loadBalancer.targets.map((x) => x.ip).sort(), appNodes(spec).map((n) => n.privateIp).sort());
    assert.equal(topo.loadBalancer.privateIp, spec.network.lbPrivateIp);
    assert.equal(topo.loadBalancer.healthCheck.path, "/api/_info/health-check");

    for (const host of topo.hosts) {
      // The seed is the plan's user-data with only the automation key swapped.
      const planned = fs.readFileSync(path.join(host.planDir, "user-data.yaml"), "utf8");
      const seeded = labUserData(host, LAB_KEY);
      assert.notEqual(seeded, planned);
      const diff = seeded.split("\n").filter((line, i) => line !== planned.split("\n")[i]);
      assert.deepEqual(diff.map((l) => l.trim()), [`- ${LAB_KEY}`]);
      assert.ok(parse(seeded));
      const machine = planMachine(host, LAB_KEY, false);
      for (const unit of machine.units) assert.ok(roleUnits(spec, host.node.os.codename).includes(unit), `${unit} is not disabled in the image`);
      assert.deepEqual(hostUnits(host.node).includes("nginx.service"), host.node.roles.includes("app"));
    }
    assert.ok(imagePackages(spec, spec.os.codename).includes("mariadb-server"));

    const config = renderHaproxyConfig(topo.loadBalancer, "/run/lab-test.sock");
    const hc = spec.loadBalancer.healthCheck;
    assert.match(config, new RegExp(`balance ${spec.loadBalancer.algorithm === "least_connections" ? "leastconn" : "roundrobin"}`));
    assert.match(config, new RegExp(`inter ${hc.interval}s fall ${hc.retries} rise ${hc.retries}`));
    assert.match(config, new RegExp(`timeout check ${hc.timeout}s`));
    assert.match(config, new RegExp(`source ${spec.network.lbPrivateIp}\\b`));
    for (const node of appNodes(spec)) assert.match(config, new RegExp(`server ${node.name} ${node.privateIp.replace(/\./g, "\\.")}:80`));
    if (requireTool(t, "haproxy")) {
      // haproxy -c binds nothing but checks syntax and semantics (addresses need not exist).
      const cfg = path.join(dir, "haproxy.cfg");
      fs.writeFileSync(cfg, config.replace(/stats socket \S+/, `stats socket ${path.join(dir, "admin.sock")}`));
      const check = run("haproxy", ["-c", "-f", cfg]);
      assert.equal(check.status, 0, check.stdout + check.stderr);
    }
  });
}

test("lab and validator-root shell pieces pass shellcheck", (t) => {
  if (!requireTool(t, "shellcheck")) return;
  const repo = path.join(__dirname, "..", "..");
  const shDir = path.join(repo, "scripts", "lab", "sh");
  const files = [...fs.readdirSync(shDir).map((f) => path.join(shDir, f)), path.join(repo, "scripts/validator/build-root.sh"), path.join(repo, "scripts/lib/chroot-build.sh")];
  assert.ok(files.length >= 6);
  // -x follows the shared chroot-build.sh they source (its path is given relative to the repository).
  const r = run("shellcheck", ["-s", "bash", "-x", ...files], { cwd: repo });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
