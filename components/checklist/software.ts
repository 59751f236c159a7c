import * as fs from "fs";
import * as path from "path";
import { appNodes, images, incompatibility } from "../config";
import { delivered, merge } from "./hostChecks";
import { bundleFiles, ofType, str, T } from "./resources";
import { l } from "./text";
import type { ChecklistRule, Localized, Problem } from "./types";

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
    const slots: Localized[] = [];
    for (const n of spec.nodes) {
      const content = bundleFiles(ctx, n.name, UPDATE_FILES).map((f) => f.content).join("\n");
      const time = /Automatic-Reboot-Time\s+"([0-9:]+)"/.exec(content)?.[1];
      const rebootOn = /Automatic-Reboot\s+"true"/.test(content);
      slots.push(rebootOn ? l(`${n.name} ${time ?? "no time"}`, `${n.name} ${time ?? "ohne Uhrzeit"}`) : l(`${n.name} no automatic reboot`, `${n.name} ohne automatischen Neustart`));
      if (rebootOn && time) byTime.set(time, [...(byTime.get(time) ?? []), n.name]);
      if (rebootOn && !time)
        problems.push({
          message: l(
            `${n.name}: automatic reboot without Automatic-Reboot-Time (unattended-upgrades reboots at once)`,
            `${n.name}: automatischer Neustart ohne Automatic-Reboot-Time (unattended-upgrades startet sofort neu)`,
          ),
        });
    }
    for (const [time, hosts] of byTime)
      if (hosts.length > 1) problems.push({ message: l(`${hosts.join(" and ")} reboot together at ${time}`, `${hosts.join(" und ")} starten gemeinsam um ${time} neu`) });
    const on = spec.updates.automaticReboot;
    const evidence = [
      l(
        `automatic reboot (shop:updates.automaticReboot): ${on ? "on" : "off"}; slots ${slots.map((x) => x.en).join(", ")}`,
        `automatischer Neustart (shop:updates.automaticReboot): ${on ? "an" : "aus"}; Zeitfenster ${slots.map((x) => x.de).join(", ")}`,
      ),
    ];
    return merge({ evidence, problems }, delivered(ctx, spec.nodes, l("unattended-upgrades config", "unattended-upgrades-Konfiguration"), UPDATE_FILES));
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
      if (!os) return [{ message: l(`${r.name}: image ${image} is not in the compatibility matrix`, `${r.name}: Image ${image} steht nicht in der Kompatibilitätsmatrix`) }];
      const why = incompatibility(ctx.spec.shopware.version, os);
      const what = `${r.name}: Shopware ${ctx.spec.shopware.version}`;
      return why ? [{ message: l(`${what} on ${image}: ${why}`, `${what} auf ${image}: nicht unterstützt laut Matrix (${why})`) }] : [];
    },
  },
  stack(ctx) {
    const { spec } = ctx;
    const imagesUsed = [...new Set(ofType(ctx, T.server).map((s) => str(s.inputs.image)))];
    const versions = `PHP ${spec.os.php}, MariaDB ${spec.os.mariadb}, Redis ${spec.os.redis} (${spec.os.codename})`;
    return {
      evidence: [
        l(
          `Shopware ${spec.shopware.version} on ${imagesUsed.join(", ") || "no servers"}: ${versions}`,
          `Shopware ${spec.shopware.version} auf ${imagesUsed.join(", ") || "keinen Servern"}: ${versions}`,
        ),
      ],
      problems: imagesUsed.length ? [] : [{ message: l("no servers declared", "keine Server deklariert") }],
    };
  },
};

/** The rolling deploy command would live in the repository (docs/design.md, "Known gaps"). */
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
    if (apps.length < 2)
      problems.push({ message: l(`${apps.length} app node(s): a rolling update takes the shop offline`, `${apps.length} App-Knoten: ein rollierendes Update nimmt den Shop vom Netz`) });
    const gate = ofType(ctx, T.lbService).some((s) => (s.inputs.healthCheck as { protocol?: string } | undefined)?.protocol === "http");
    if (!gate) problems.push({ message: l("no HTTP health check on the LB to gate each node", "kein HTTP-Health-Check am LB, der jeden Knoten freigibt") });
    const hasDeploy = fs.existsSync(DEPLOY_SCRIPT);
    if (!hasDeploy)
      problems.push({ message: l("no rolling deploy command (scripts/deploy.ts) in the repository", "kein Befehl für das rollierende Deployment (scripts/deploy.ts) im Repository") });
    const order = apps.map((n) => n.name).join(" → ");
    const helper = apps.find((n) => n.scheduler)?.name ?? "?";
    return {
      evidence: [
        l(`rolling order: ${order}; deployment helper runs on ${helper}`, `Reihenfolge: ${order}; der Deployment-Helper läuft auf ${helper}`),
        l(
          `health gate: ${gate ? "LB HTTP health check" : "none"}; deploy command: ${hasDeploy ? "scripts/deploy.ts" : "missing"}`,
          `Health-Gate: ${gate ? "HTTP-Health-Check am LB" : "keins"}; Deploy-Befehl: ${hasDeploy ? "scripts/deploy.ts" : "fehlt"}`,
        ),
      ],
      problems,
    };
  },
};
