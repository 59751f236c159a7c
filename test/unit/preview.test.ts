import assert from "node:assert/strict";
import { test } from "node:test";
import { OFFLINE_SECRET_MARKER, readStackFile, stackFilePath } from "../../components/config";
import { UNKNOWN, type PlannedResource } from "../../scripts/lib/mocks";
import { runOfflinePlan } from "../../scripts/lib/offlinePlan";
import { allStacks, STACKS_DIR } from "../helpers/stacks";

/**
 * A real `pulumi preview` of a new stack runs the program with every id and computed output
 * unknown. The offline program runs that way too (mocks with preview = true): it must finish,
 * declare exactly what the resolved plan declares, and leak no secret.
 */

/** Registration order follows when inputs resolve, which differs in a preview: compare as sets. */
const shapes = (resources: PlannedResource[]) =>
  resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent, options: r.options })).sort((a, b) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`));

for (const stack of allStacks())
  test(`preview mode: ${stack} completes with unknowns, declares the same resources, leaks no secret`, async () => {
    const file = () => readStackFile(stackFilePath(STACKS_DIR, stack), stack);
    const resolved = await runOfflinePlan(file());
    const preview = await runOfflinePlan(file(), { preview: true });

    assert.deepEqual(shapes(preview.plan.resources), shapes(resolved.plan.resources));

    // It really ran as a preview: what only an apply knows is unknown …
    const servers = preview.plan.resources.filter((r) => r.type === "hcloud:index/server:Server");
    assert.ok(servers.length >= 2);
    for (const s of servers) {
      assert.equal(s.inputs.userData, UNKNOWN, `${s.name}: user data waits for the generated automation key`);
      assert.equal(s.inputs.placementGroupId, UNKNOWN, `${s.name}: the placement group id is computed`);
    }
    assert.equal(preview.plan.outputs.hosts, UNKNOWN);
    // … and what the spec fixes is known.
    assert.deepEqual(preview.plan.outputs.urls, resolved.plan.outputs.urls);
    assert.deepEqual(
      servers.map((s) => s.inputs.name),
      resolved.plan.resources.filter((r) => r.type === "hcloud:index/server:Server").map((r) => r.inputs.name),
    );

    // Secrets stay secret when their values are unknown, too.
    const text = JSON.stringify(preview.plan);
    assert.ok(!text.includes(OFFLINE_SECRET_MARKER), "no secret placeholder in the preview plan");
    const byKey = new Map(preview.plan.resources.map((r) => [`${r.type}::${r.name}`, r]));
    let secrets = 0;
    for (const r of resolved.plan.resources)
      for (const [key, value] of Object.entries(r.inputs))
        if (value === "[secret]") {
          secrets++;
          assert.equal(byKey.get(`${r.type}::${r.name}`)!.inputs[key], "[secret]", `${r.name}.${key} is secret in the preview as well`);
        }
    assert.ok(secrets > 5, `the stack has secret inputs to check (${secrets})`);
  });
