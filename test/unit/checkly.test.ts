import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { checklyRunsPerMonth } from "../../components/config";
import { checklyTemplate } from "../../components/cloud/checkly";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { withRealValues, writeDemoVariant } from "../helpers/checklist";
import { planCli, readJson } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

const SLACK_SECRET = "XYZslackSECRET123";
const PD_SECRET = "PDroutingSECRET456";

function withCheckly(checkly: unknown) {
  return (config: Record<string, unknown>) => {
    withRealValues(config);
    const monitoring = config["shop:monitoring"] as Record<string, unknown>;
    monitoring.webhooks = [
      { name: "ops-slack", type: "slack", url: { secure: `v1:${SLACK_SECRET}` } },
      { name: "ops-pager", type: "pagerduty", url: { secure: "v1:pagerduty-url" }, routingKey: { secure: `v1:${PD_SECRET}` } },
    ];
    monitoring.checkly = checkly;
    // The provider's own credentials live beside the shop: keys, as `pulumi config set checkly:…` writes them.
    config["checkly:accountId"] = "0c1e2a5b-7d1f-4c2a-9b1e-2f6c8d9e0a11";
    config["checkly:apiKey"] = { secure: "v1:checkly-api-key" };
  };
}

test("monitoring.checkly declares one API check of the health endpoint and an alert channel per webhook; secrets stay out of the plan; HW-3 quotes it", (t) => {
  const dir = tempDir(t);
  const file = writeDemoVariant(dir, "demo", withCheckly({}));
  const out = path.join(dir, "out");
  const r = planCli(["--file", file], out);
  assert.equal(r.status, 0, r.stderr);
  const plan = readJson<Plan>(path.join(out, "demo", "plan.json"));
  const checks = plan.resources.filter((x) => x.type === "checkly:index/check:Check");
  const channels = plan.resources.filter((x) => x.type === "checkly:index/alertChannel:AlertChannel");
  assert.equal(checks.length, 1);
  assert.equal(channels.length, 2, "one per webhook, PagerDuty included");
  const check = checks[0].inputs as Record<string, any>;
  assert.equal(check.type, "API");
  assert.equal(check.frequency, 10);
  assert.deepEqual(check.locations, ["eu-central-1", "eu-west-1"]);
  assert.equal(check.request.url, "https://www.demo-moebel.de/api/_info/health-check");
  assert.deepEqual(check.request.assertions, [{ source: "STATUS_CODE", comparison: "EQUALS", target: "200" }]);
  assert.equal(check.alertChannelSubscriptions.length, 2);
  for (const f of fs.readdirSync(path.join(out, "demo"), { recursive: true }) as string[]) {
    const p = path.join(out, "demo", f);
    if (fs.statSync(p).isFile()) {
      const text = fs.readFileSync(p, "utf8");
      assert.ok(!text.includes(SLACK_SECRET) && !text.includes(PD_SECRET), `${f} holds a webhook secret`);
    }
  }
  const audit = fs.readFileSync(path.join(out, "demo", "audit.json"), "utf8");
  assert.match(audit, /Checkly: https:\/\/www\.demo-moebel\.de\/api\/_info\/health-check every 10 min from eu-central-1, eu-west-1, 8640 runs a month \(free plan: 10000\), alerting 2 webhook\(s\)/);
});

test("Checkly's run budget: the default stays in the free plan; more runs warn in the plan; bad locations and frequencies are refused with the key", (t) => {
  assert.equal(checklyRunsPerMonth({ locations: ["eu-central-1", "eu-west-1"], frequencyMinutes: 10 }), 8640);
  const dir = tempDir(t);
  const busy = planCli(["--file", writeDemoVariant(dir, "demo", withCheckly({ frequencyMinutes: 1, locations: ["eu-central-1"] }))], path.join(dir, "out"));
  assert.equal(busy.status, 0, busy.stderr);
  assert.match(busy.stdout + busy.stderr, /monitoring\.checkly: 43200 API check runs a month \(1 locations every 1 min\) exceed Checkly's free plan \(10000\)/);
  const bad = planCli(["--file", writeDemoVariant(dir, "demo", withCheckly({ frequencyMinutes: 7, locations: ["mars-1"] }))], path.join(dir, "out2"));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^error: shop:monitoring\.checkly\.locations\[0\]: found "mars-1"; allowed: /m);
  assert.match(bad.stderr, /^error: shop:monitoring\.checkly\.frequencyMinutes: found 7; allowed: one of Checkly's frequencies: 1, 2, 5, 10/m);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, "no stack trace");
  assert.equal(fs.existsSync(path.join(dir, "out2", "demo")), false, "nothing half-written");
});

test("Checkly's webhook bodies are valid JSON in the shape each receiver reads", () => {
  const slack = JSON.parse(checklyTemplate("slack", "demo")) as { text: string };
  assert.match(slack.text, /^\[\{\{ALERT_TYPE\}\}\] demo: \{\{ALERT_TITLE\}\} from \{\{REGION\}\}/);
  const teams = JSON.parse(checklyTemplate("teams", "demo")) as { type: string; attachments: { contentType: string }[] };
  assert.equal(teams.type, "message");
  assert.equal(teams.attachments[0].contentType, "application/vnd.microsoft.card.adaptive");
  const generic = JSON.parse(checklyTemplate("generic", "demo")) as Record<string, string>;
  assert.deepEqual(Object.keys(generic).sort(), ["check", "link", "region", "source", "stack", "status", "title"]);
});
