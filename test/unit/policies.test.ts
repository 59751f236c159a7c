import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { checklistRules, DeclaredResource, T } from "../../components/checklist";
import type { ShopSpec } from "../../components/config";
import { shopPolicies, stackFileSpecLoader, stackOfUrn } from "../../policy/policies";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { copy, demoPlan, demoSpec } from "../helpers/checklist";

let plan: Plan;
before(() => {
  plan = demoPlan();
});

const urnOf = (r: DeclaredResource) => `urn:pulumi:demo::shop::${r.type}::${r.name}`;

function policiesFor(spec: ShopSpec) {
  const policies = shopPolicies(() => spec);
  const byName = new Map(policies.map((p) => [p.name, p]));
  return {
    stack(id: string) {
      return byName.get(id) as StackValidationPolicy;
    },
    resource(id: string) {
      return byName.get(`${id}-per-resource`) as ResourceValidationPolicy;
    },
  };
}

/** Runs a stack policy the way the engine would, collecting what it reports. */
async function validateStack(policy: StackValidationPolicy, resources: DeclaredResource[]): Promise<string[]> {
  const violations: string[] = [];
  const args = { resources: resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs, urn: urnOf(r) }) as unknown as PolicyResource) } as StackValidationArgs;
  await policy.validateStack(args, (message) => violations.push(message));
  return violations;
}

async function validateResources(policy: ResourceValidationPolicy, resources: DeclaredResource[]): Promise<string[]> {
  const violations: string[] = [];
  const validate = [policy.validateResource!].flat();
  for (const r of resources)
    for (const v of validate) await v({ type: r.type, name: r.name, props: r.inputs, urn: urnOf(r) } as unknown as ResourceValidationArgs, (m) => violations.push(m));
  return violations;
}

test("one stack policy per checklist ID, enforcement mirroring the audit level", () => {
  const policies = shopPolicies(() => demoSpec());
  for (const rule of checklistRules) {
    const p = policies.find((x) => x.name === rule.id);
    assert.ok(p, `no policy ${rule.id}`);
    assert.equal(p.enforcementLevel, rule.level);
    const perResource = policies.find((x) => x.name === `${rule.id}-per-resource`);
    assert.equal(!!perResource, !!rule.resource, `${rule.id}: per-resource policy iff the rule has a per-resource part`);
    if (perResource) assert.equal(perResource.enforcementLevel, rule.level);
  }
});

test("the demo plan passes every mandatory policy", async () => {
  const policies = policiesFor(demoSpec());
  for (const rule of checklistRules.filter((r) => r.level === "mandatory")) {
    assert.deepEqual(await validateStack(policies.stack(rule.id), plan.resources), [], rule.id);
    if (rule.resource) assert.deepEqual(await validateResources(policies.resource(rule.id), plan.resources), [], `${rule.id}-per-resource`);
  }
});

test("HW-1 stack policy reports a single app server", async () => {
  const resources = plan.resources.filter((r) => !(r.type === T.server && r.inputs.name === "demo-app-2"));
  const violations = await validateStack(policiesFor(demoSpec()).stack("HW-1"), resources);
  assert.ok(violations.some((v) => /1 app server/.test(v)), violations.join("; "));
});

test("OPS-3 per-resource policy flags shared vCPU in production only", async () => {
  const resources = copy(plan.resources);
  for (const r of resources) if (r.type === T.server) r.inputs.serverType = "cpx32";
  const prod = await validateResources(policiesFor(demoSpec()).resource("OPS-3"), resources);
  assert.equal(prod.length, 4);
  const staging = demoSpec();
  staging.production = false;
  assert.deepEqual(await validateResources(policiesFor(staging).resource("OPS-3"), resources), []);
});

test("SEC-1 per-resource policy flags world-open SSH, and stays quiet when a waiver covers it", async () => {
  const resources = copy(plan.resources);
  const fw = resources.find((r) => r.type === T.firewall)!;
  (fw.inputs.rules as { port?: string; sourceIps: string[] }[]).find((r) => r.port === "22")!.sourceIps.push("::/0");
  const violations = await validateResources(policiesFor(demoSpec()).resource("SEC-1"), resources);
  assert.equal(violations.length, 1);
  assert.match(violations[0], /open to the world \(::\/0\)/);
  const waived = demoSpec();
  waived.firewall.extraRules.push({ description: "vendor", direction: "in", protocol: "tcp", port: "22", sourceIps: ["::/0"], waiver: "vendor access until the migration ends", roles: ["app", "db"] });
  waived.waivers.push({ checkId: "SEC-1", key: "shop:firewall.extraRules[0]", reason: "vendor access until the migration ends" });
  assert.deepEqual(await validateResources(policiesFor(waived).resource("SEC-1"), resources), []);
});

test("OPS-4 and OPS-1 per-resource policies flag unproxied records and servers without backups", async () => {
  const resources = copy(plan.resources);
  resources.find((r) => r.type === T.dnsRecord)!.inputs.proxied = false;
  resources.find((r) => r.type === T.server)!.inputs.backups = false;
  const policies = policiesFor(demoSpec());
  assert.equal((await validateResources(policies.resource("OPS-4"), resources)).length, 1);
  assert.equal((await validateResources(policies.resource("OPS-1"), resources)).length, 1);
});

test("HW-3 stack policy reports missing webhooks", async () => {
  const spec = demoSpec();
  spec.monitoring.webhooks = [];
  const violations = await validateStack(policiesFor(spec).stack("HW-3"), plan.resources);
  assert.ok(violations.some((v) => /no alert webhook/.test(v)));
});

test("the pack finds the stack file from the URN; an unknown stack is reported, not thrown", async () => {
  assert.equal(stackOfUrn("urn:pulumi:alpenhaus::shop::hcloud:index/server:Server::x"), "alpenhaus");
  assert.equal(stackFileSpecLoader()("demo").stack, "demo");
  const policy = shopPolicies(stackFileSpecLoader()).find((p) => p.name === "HW-1") as StackValidationPolicy;
  const violations: string[] = [];
  const resources = [{ type: T.server, name: "x", props: {}, urn: "urn:pulumi:no-such-stack::shop::hcloud:index/server:Server::x" } as unknown as PolicyResource];
  await policy.validateStack({ resources } as StackValidationArgs, (m) => violations.push(m));
  assert.equal(violations.length, 1);
  assert.match(violations[0], /cannot judge without the stack's config/);
});
