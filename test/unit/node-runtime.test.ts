import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { ROOT } from "../helpers/stacks";

/**
 * The tests run on the Node the project declares (package.json engines; @pulumi/pulumi 3.270
 * needs 22). CI (.ci/run) installs Node 22 and must run every test on it; locally an older
 * Node is reported and skipped, as a missing validator is.
 */
test("the test run's Node satisfies package.json engines (Node 22 LTS)", (t) => {
  const engines = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
  const wanted = Number(/^>=(\d+)$/.exec(engines)?.[1]);
  assert.equal(wanted, 22, `engines.node is ${engines}`);
  const major = Number(process.versions.node.split(".")[0]);
  t.diagnostic(`node ${process.version}`);
  if (major < wanted && process.env.CI !== "true") return t.skip(`node ${process.version} is older than ${engines}; CI runs this on Node 22`);
  assert.equal(major, wanted, `node ${process.version} runs the tests; CI must run them on Node ${wanted}`);
});
