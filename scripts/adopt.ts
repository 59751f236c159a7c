import * as fs from "fs";
import * as path from "path";
import { buildSpec, isStackName, readStackFile, STACK_NAME_RULE, stackFilePath } from "../components/config";
import { stackOutDir } from "./lib/outDir";
import { CommandSpec, fail, parseCommand, runMain, shellQuote } from "./lib/cli";

const ADOPT_COMMAND: CommandSpec = {
  command: "npm run adopt --",
  synopsis: "--stack NAME | --file PATH (--records FILE[,FILE…] [--rulesets ZONE=FILE[,ZONE=FILE…]] | --online) [--out FILE]",
  summary: "Lists what the stack's Cloudflare zones already hold against what the program declares, and writes the pulumi import file for it.",
  options: [
    { name: "stack", value: "NAME", help: "the stack in stacks/Pulumi.NAME.yaml" },
    { name: "file", value: "PATH", help: "any stack file" },
    { name: "records", value: "FILE[,FILE…]", help: "each zone's records: the API listing (GET /zones/<zone id>/dns_records, JSON) or the dashboard's zone-file export" },
    { name: "rulesets", value: "ZONE=FILE[,…]", help: "a zone's rulesets (GET /zones/<zone id>/rulesets, JSON), for stacks with access.adminAllowlist" },
    { name: "online", help: "read both from the Cloudflare API instead, with CLOUDFLARE_API_TOKEN (Zone · DNS · Read, Zone · Zone WAF · Read)" },
    // Another address for the API (a test's local stand-in); the token goes only there.
    { name: "api", value: "URL", help: "the Cloudflare API base address", hidden: true },
    { name: "out", value: "FILE", help: "where the pulumi import file goes (default out/<stack>/adopt-import.json)" },
  ],
};
const USAGE = `usage: ${ADOPT_COMMAND.command} ${ADOPT_COMMAND.synopsis}`;
const PROJECT_ROOT = path.resolve(__dirname, "..");

function readInput(file: string): string {
  if (!fs.existsSync(file)) fail(`error: ${file}: no such file`);
  return fs.readFileSync(file, "utf8");
}

runMain(async () => {
  const { flags, positional } = parseCommand(process.argv.slice(2), ADOPT_COMMAND);
  if (positional.length) fail(`error: unexpected argument ${positional[0]}\n${USAGE}`);
  const stack = typeof flags.stack === "string" ? flags.stack : undefined;
  const file = typeof flags.file === "string" ? path.resolve(flags.file) : undefined;
  if (!stack && !file) fail(`error: name a stack\n${USAGE}`);
  if (stack !== undefined && !isStackName(stack)) fail(`error: --stack: found ${JSON.stringify(stack)}; allowed: ${STACK_NAME_RULE}`);
  const online = flags.online === true;
  if (online === (typeof flags.records === "string")) fail(`error: give either --records (files) or --online (the API)\n${USAGE}`);
  const token = process.env.CLOUDFLARE_API_TOKEN ?? "";
  if (online && !token) fail("error: --online: CLOUDFLARE_API_TOKEN is not set");

  const stackFile = readStackFile(file ?? stackFilePath(path.join(PROJECT_ROOT, "stacks"), stack!), stack);
  const { spec } = buildSpec(stackFile.raw, { stack: stackFile.stack });
  const { parseRecords, parseRulesets, planAdoption } = await import("./lib/adoption");

  const records = typeof flags.records === "string" ? flags.records.split(",").flatMap((f) => parseRecords(readInput(f), f)) : [];
  const rulesets = new Map<string, ReturnType<typeof parseRulesets>>();
  if (online) {
    const { CLOUDFLARE_API, fetchRecords, fetchRulesets } = await import("./lib/cloudflareListing");
    const api = typeof flags.api === "string" ? flags.api.replace(/\/$/, "") : CLOUDFLARE_API;
    for (const d of spec.domains) {
      records.push(...(await fetchRecords(api, token, d.zoneId)));
      if (spec.access.adminAllowlist.length) rulesets.set(d.zone, await fetchRulesets(api, token, d.zoneId));
    }
  }
  for (const pair of typeof flags.rulesets === "string" ? flags.rulesets.split(",") : []) {
    const [zone, f] = pair.split(/=(.*)/s, 2);
    if (!f || !spec.domains.some((d) => d.zone === zone))
      fail(`error: --rulesets: found ${JSON.stringify(pair)}; allowed: ZONE=FILE with ZONE one of ${spec.domains.map((d) => d.zone).join(", ")}`);
    rulesets.set(zone, parseRulesets(readInput(f), f));
  }

  const { runOfflinePlan } = await import("./lib/offlinePlan");
  const { plan } = await runOfflinePlan(stackFile);
  const adoption = planAdoption(plan, spec, records, rulesets);

  const out: string[] = [];
  if (adoption.imports.length) {
    const importFile = typeof flags.out === "string" ? path.resolve(flags.out) : path.join(stackOutDir(path.join(PROJECT_ROOT, "out"), spec.stack), "adopt-import.json");
    fs.mkdirSync(path.dirname(importFile), { recursive: true });
    fs.writeFileSync(importFile, JSON.stringify(adoption.file, null, 2) + "\n");
    out.push(`${adoption.imports.length} existing resource(s) in ${spec.stack}'s zones must be adopted before its first pulumi up:`);
    for (const i of adoption.imports) out.push(`  ${i.urn}`, `      ${i.what}`);
    out.push(
      "",
      "Import them (the parent components are created empty; the next pulumi up fills them in):",
      `  pulumi import --stack ${shellQuote(spec.stack)} --file ${shellQuote(path.relative(process.cwd(), importFile) || importFile)} --protect=false --generate-code=false --yes`,
      "",
      "Or one by one, once the parents exist in the stack (after a first pulumi up):",
      ...adoption.imports.map(
        (i) =>
          `  pulumi import --stack ${shellQuote(spec.stack)} ${shellQuote(i.resource.type)} ${shellQuote(i.resource.name)} ${shellQuote(i.id)} ` +
          `--parent ${shellQuote(`parent=${i.parentUrn}`)} --protect=false --generate-code=false --yes`,
      ),
    );
  } else out.push(`Nothing in the given zone data collides with what ${spec.stack} declares.`);
  if (adoption.manual.length) out.push("", "By hand, before pulumi up:", ...adoption.manual.map((m) => `  - ${m}`));
  if (adoption.later.length) out.push("", "Later:", ...adoption.later.map((m) => `  - ${m}`));
  out.push("", `Then: pulumi preview --diff --stack ${shellQuote(spec.stack)} must show no create for an adopted resource.`);
  process.stdout.write(out.join("\n") + "\n");
});
