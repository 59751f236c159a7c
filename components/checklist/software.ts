import * as fs from "fs";
import * as path from "path";
import { appNodes, images, incompatibility } from "../config";
import { delivered, merge } from "./hostChecks";
import { bundleFiles, ofType, str, T } from "./resources";
import type { ChecklistRule, Problem } from "./types";

/** unattended-upgrades / apt periodic settings as the updates renderer ships them. */
const UPDATE_FILES = /apt\/apt\.conf\.d\/.*(unattended|periodic|upgrade)/i;

export const softwareUpdates: ChecklistRule = {
  id: "SW-1",
  title: { en: "Current software, updates", de: "Software-Updates" },
  level: "mandatory",
  fix: {
    en: "Keep unattended security upgrades on every host and staggered reboot slots (shop:updates.rebootWindowStart, shop:updates.automaticReboot).",
    de: "Unbeaufsichtigte Sicherheitsupdates auf jedem Host und gestaffelte Neustartzeiten beibehalten (shop:updates.rebootWindowStart, shop:updates.automaticReboot).",
  },
  stack(ctx) {
    const { spec } = ctx;
    const problems: Problem[] = [];
    // The reboot slots as the hosts will get them: read from each bundle's unattended-upgrades config.
    const byTime = new Map<string, string[]>();
    const slots: string[] = [];
    for (const n of spec.nodes) {
      const content = bundleFiles(ctx, n.name, UPDATE_FILES).map((f) => f.content).join("\n");
      const time = /Automatic-Reboot-Time\s+"([0-9:]+)"/.exec(content)?.[1];
      const rebootOn = /Automatic-Reboot\s+"true"/.test(content);
      slots.push(`${n.name} ${rebootOn ? (time ?? "no time") : "no automatic reboot"}`);
      if (rebootOn && time) byTime.set(time, [...(byTime.get(time) ?? []), n.name]);
      if (rebootOn && !time) problems.push({ message: `${n.name}: automatic reboot without Automatic-Reboot-Time (unattended-upgrades reboots at once)` });
    }
    for (const [time, hosts] of byTime) if (hosts.length > 1) problems.push({ message: `${hosts.join(" and ")} reboot together at ${time}` });
    const evidence = [`automatic reboot (shop:updates.automaticReboot): ${spec.updates.automaticReboot ? "on" : "off"}; slots ${slots.join(", ")}`];
    return merge({ evidence, problems }, delivered(ctx, spec.nodes, "unattended-upgrades config", UPDATE_FILES));
  },
};

export const versionCompatibility: ChecklistRule = {
  id: "SW-2",
  title: { en: "Version compatibility", de: "Versionskompatibilität" },
  level: "mandatory",
  fix: {
    en: "Pick a shop:shopwareVersion and shop:image pair from the matrix in components/config/compat.ts.",
    de: "shop:shopwareVersion und shop:image passend zur Matrix in components/config/compat.ts wählen.",
  },
  resource: {
    types: [T.server],
    check(r, ctx) {
      const image = str(r.inputs.image);
      const os = images[image];
      if (!os) return [{ message: `${r.name}: image ${image} is not in the compatibility matrix` }];
      const why = incompatibility(ctx.spec.shopware.version, os);
      return why ? [{ message: `${r.name}: Shopware ${ctx.spec.shopware.version} on ${image}: ${why}` }] : [];
    },
  },
  stack(ctx) {
    const { spec } = ctx;
    const imagesUsed = [...new Set(ofType(ctx, T.server).map((s) => str(s.inputs.image)))];
    return {
      evidence: [
        `Shopware ${spec.shopware.version} on ${imagesUsed.join(", ") || "no servers"}: PHP ${spec.os.php}, MariaDB ${spec.os.mariadb}, Redis ${spec.os.redis} (${spec.os.codename})`,
      ],
      problems: imagesUsed.length ? [] : [{ message: "no servers declared" }],
    };
  },
};

/** The rolling deploy command lives in the repository (DESIGN §4: scripts/deploy). */
const DEPLOY_SCRIPT = path.resolve(__dirname, "..", "..", "scripts", "deploy.ts");

export const shopwareUpdates: ChecklistRule = {
  id: "SW-3",
  title: { en: "Regular Shopware and plugin updates", de: "Regelmäßige Shopware- und Plugin-Updates" },
  level: "advisory",
  fix: {
    en: "Deploy with the rolling command (npm run deploy) one node at a time behind the LB health gate; keep ≥2 app nodes so a node can be drained.",
    de: "Mit dem Rolling-Befehl (npm run deploy) Knoten für Knoten hinter dem LB-Health-Gate ausrollen; ≥2 App-Knoten, damit einer aus dem Verkehr genommen werden kann.",
  },
  stack(ctx) {
    const problems: Problem[] = [];
    const apps = appNodes(ctx.spec);
    if (apps.length < 2) problems.push({ message: `${apps.length} app node(s): a rolling update takes the shop offline` });
    const gate = ofType(ctx, T.lbService).some((s) => (s.inputs.healthCheck as { protocol?: string } | undefined)?.protocol === "http");
    if (!gate) problems.push({ message: "no HTTP health check on the LB to gate each node" });
    const hasDeploy = fs.existsSync(DEPLOY_SCRIPT);
    if (!hasDeploy) problems.push({ message: "no rolling deploy command (scripts/deploy.ts) in the repository" });
    return {
      evidence: [
        `rolling order: ${apps.map((n) => n.name).join(" → ")}; deployment helper runs on ${apps.find((n) => n.scheduler)?.name ?? "?"}`,
        `health gate: ${gate ? "LB HTTP health check" : "none"}; deploy command: ${hasDeploy ? "scripts/deploy.ts" : "missing"}`,
      ],
      problems,
    };
  },
};
