import * as fs from "fs";
import * as path from "path";
import { HEALTH_TOOL } from "../../../components/hostconfig/health";
import { healthReportOf } from "../../lib/oncall/collect";
import type { VerifyRecord } from "../../lib/oncall/verify";
import { ssh } from "../ssh";
import { LAB_READONLY_USER } from "../stackFile";
import { check, LabContext, Scenario } from "./context";
import { onCallCli } from "./oncallCli";

/**
 * 2. OPS-3: `npm run verify-hosts -- --lab` runs as the lab's readonly user from the admin address
 * on every host and stores what it saw; every command answers, the DB nodes report their role.
 */
export const realServerScenario: Scenario = {
  id: 2,
  title: "Real server (OPS-3): npm run verify-hosts",
  timeoutMs: 180_000,
  async run(ctx: LabContext) {
    const out = path.join(ctx.names.runDir, "verify-out");
    const r = await onCallCli(ctx, "verify-hosts", ["--out", out]);
    check(r.status === 0, `verify-hosts exited ${r.status}: ${(r.stdout + r.stderr).trim().split("\n").slice(-6).join(" | ")}`);
    const dir = path.join(out, ctx.names.stack, "verify");
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json"));
    check(files.length === 1 && fs.existsSync(path.join(dir, files[0].replace(/json$/, "md"))), `verify-hosts stored ${files.join(", ") || "nothing"} in ${dir}`);
    const record = JSON.parse(fs.readFileSync(path.join(dir, files[0]), "utf8")) as VerifyRecord;
    const figures: string[] = [];
    for (const host of ctx.topo.hosts) {
      const h = record.hosts.find((x) => x.host === host.name);
      check(Boolean(h?.ok), `${host.name}: verify-hosts found ${h ? h.problems.join("; ") : "nothing"}`);
      const out = (name: string) => h!.sections.find((s) => s.name === name)?.output ?? "";
      check(/^Linux /.test(out("uname")) && /%Cpu|Tasks:/.test(out("top")) && /Filesystem/.test(out("df")), `${host.name}: uname, top or df printed no real answer`);
      if (host.node.roles.includes("app")) check(/^PHP \d+\.\d+/.test(out("php")), `${host.name}: php -v printed ${JSON.stringify(out("php").slice(0, 60))}`);
      const health = healthReportOf({ host: host.name, reachable: true, seconds: 0, sections: h!.sections });
      const db = "items" in health ? health.items.find((i) => i.key === "database")?.summary : undefined;
      if (host.node.roles.includes("db-primary") || host.node.roles.includes("db-replica")) check(Boolean(db), `${host.name}: the health report has no database item`);
      figures.push(`${host.name}: ${[h!.kernel.split(" ")[2], h!.php, db].filter(Boolean).join(", ")}`);
      // Least privilege (SEC-2): the readonly role has no sudo beyond its exact read commands.
      const target = { ip: host.publicIp, key: ctx.key, from: ctx.topo.publicSide.admin, user: LAB_READONLY_USER };
      for (const command of ["sudo -n true", `sudo -n ${HEALTH_TOOL}`]) {
        const refused = ssh(target, command, { allowFail: true, timeoutMs: 30_000 });
        check(refused.status !== 0, `${host.name}: ${LAB_READONLY_USER} (readonly) may run ${command}`);
      }
    }
    return `verify-hosts as ${LAB_READONLY_USER}: ${record.hosts.length}/${ctx.topo.hosts.length} hosts passed in ${r.seconds.toFixed(1)} s, record ${files[0]}; sudo and a bare shop-health refused; ${figures.join("; ")}`;
  },
};
