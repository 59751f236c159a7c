import { appNodes, images, imagesInUse, incompatibility, lifecycleFails, lifecycleOf, LifecycleStatus, newerPatch } from "../config";
import { DRAIN_FLAG, RELEASES_KEPT, RELEASE_TOOL } from "../hostconfig/release";
import { delivered, merge } from "./hostChecks";
import { bundleFiles, ofType, str, T } from "./resources";
import { l } from "./text";
import type { CheckContext, ChecklistRule, Judgement, Localized, Problem } from "./types";

/** The lifecycle table's items for one rule: every date as evidence, each ended item as a problem. */
function lifecycleJudgement(ctx: CheckContext, rule: LifecycleStatus["rule"]): Judgement {
  const items = lifecycleOf(imagesInUse(ctx.spec), ctx.spec.shopware.version, ctx.today).filter((s) => s.rule === rule);
  const state = { supported: ["supported", "unterstützt"], ending: ["ENDING SOON", "ENDET BALD"], ended: ["ENDED", "BEENDET"] } as const;
  const evidence = items.map((s) => {
    const [en, de] = state[s.state];
    const days = s.daysLeft >= 0 ? [`in ${s.daysLeft} day(s)`, `in ${s.daysLeft} Tag(en)`] : [`${-s.daysLeft} day(s) ago`, `vor ${-s.daysLeft} Tag(en)`];
    const checked = s.entry.rechecked ? [`re-checked: ${s.entry.rechecked}`, `nachgeprüft: ${s.entry.rechecked}`] : ["not re-checked", "nicht nachgeprüft"];
    return l(
      `${en}: ${s.entry.what.en} until ${s.entry.end} (${days[0]}); upgrade to ${s.entry.upgradeTo.en}; source ${s.entry.source} (${checked[0]})`,
      `${de}: ${s.entry.what.de} bis ${s.entry.end} (${days[1]}); Ziel: ${s.entry.upgradeTo.de}; Quelle ${s.entry.source} (${checked[1]})`,
    );
  });
  const problems = items.filter(lifecycleFails).map((s) => ({
    message: l(
      `${s.entry.what.en} ended on ${s.entry.end}: upgrade to ${s.entry.upgradeTo.en}`,
      `${s.entry.what.de} endete am ${s.entry.end}: auf ${s.entry.upgradeTo.de} aktualisieren`,
    ),
  }));
  return { evidence, problems };
}

/** Points the fix text of SW-1/SW-2 at the upgrade path. */
const UPGRADE_PATH = {
  en: 'Past a lifecycle end (components/config/lifecycle.ts): move the stack to the upgrade target as README "Upgrade path" and the runbook describe (one server at a time rebuilt on the new image with shop:nodeImages while the others serve behind the LB, DB replica first, then failover).',
  de: 'Nach einem Lebenszyklus-Ende (components/config/lifecycle.ts): den Stack wie in README „Upgrade path“ und im Runbook beschrieben auf das Ziel umstellen (ein Server nach dem anderen mit shop:nodeImages auf dem neuen Image neu aufgebaut, während die übrigen hinter dem LB bedienen, zuerst das DB-Replikat, dann Failover).',
};

/** unattended-upgrades / apt periodic settings as the updates renderer ships them. */
const UPDATE_FILES = /apt\/apt\.conf\.d\/.*(unattended|periodic|upgrade)/i;

export const softwareUpdates: ChecklistRule = {
  id: "SW-1",
  title: { en: "Current software, updates", de: "Software-Updates" },
  level: "mandatory",
  fix: {
    en: `Keep unattended security upgrades on every host and staggered reboot slots (shop:updates.rebootWindowStart, shop:updates.automaticReboot). ${UPGRADE_PATH.en}`,
    de: `Unbeaufsichtigte Sicherheitsupdates auf jedem Host und gestaffelte Neustartzeiten beibehalten (shop:updates.rebootWindowStart, shop:updates.automaticReboot). ${UPGRADE_PATH.de}`,
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
    return merge({ evidence, problems }, lifecycleJudgement(ctx, "SW-1"), delivered(ctx, spec.nodes, l("unattended-upgrades config", "unattended-upgrades-Konfiguration"), UPDATE_FILES));
  },
};

export const versionCompatibility: ChecklistRule = {
  id: "SW-2",
  title: { en: "Version compatibility", de: "Versionskompatibilität" },
  level: "mandatory",
  fix: {
    en: `Pick a shop:shopwareVersion and shop:image pair from the matrix in components/config/compat.ts. ${UPGRADE_PATH.en}`,
    de: `shop:shopwareVersion und shop:image passend zur Matrix in components/config/compat.ts wählen. ${UPGRADE_PATH.de}`,
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
    const imagesUsed = [...new Set(ofType(ctx, T.server).map((s) => str(s.inputs.image)))].sort((a, b) => Number(b === spec.image) - Number(a === spec.image));
    // Each image with what it ships and who runs it: mid-upgrade, two releases serve the shop.
    const versions = (on: string, unknown: string) =>
      imagesUsed
        .map((image) => {
          const os = images[image];
          const nodes = ofType(ctx, T.server).filter((s) => str(s.inputs.image) === image).map((s) => s.name);
          return `${image}: ${os ? `PHP ${os.php}, MariaDB ${os.mariadb}, Redis ${os.redis} (${os.codename})` : unknown} ${on} ${nodes.join(", ")}`;
        })
        .join("; ");
    const patch = newerPatch(spec.shopware.version);
    const evidence = [
      l(
        `Shopware ${spec.shopware.version} on ${versions("on", "not in the matrix") || "no servers"}`,
        `Shopware ${spec.shopware.version} auf ${versions("auf", "nicht in der Matrix") || "keinen Servern"}`,
      ),
      ...(patch ? [l(`newest patch of the line in the lifecycle table: ${patch}`, `neuester Patch der Linie laut Lebenszyklus-Tabelle: ${patch}`)] : []),
    ];
    const problems = imagesUsed.length ? [] : [{ message: l("no servers declared", "keine Server deklariert") }];
    return merge({ evidence, problems }, lifecycleJudgement(ctx, "SW-2"));
  },
};

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
    const deployers = ctx.spec.users.filter((u) => u.role === "deploy" && !(u.expires && new Date(`${u.expires}T23:59:59Z`) < ctx.today)).map((u) => u.name);
    if (!deployers.length)
      problems.push({ message: l("no deploy-role user in shop:users: nobody may run npm run deploy", "kein Benutzer mit Rolle deploy in shop:users: niemand darf npm run deploy ausführen") });
    // The deploy path as the hosts get it: the release tool, its sudo rights, and nginx's drain gate.
    for (const node of apps) {
      const tool = bundleFiles(ctx, node.name, new RegExp(`^${RELEASE_TOOL}$`)).length > 0;
      const sudo = bundleFiles(ctx, node.name, /^\/etc\/sudoers\.d\/shop-deploy$/).some((f) => f.content.includes(RELEASE_TOOL));
      const drainGate = bundleFiles(ctx, node.name, /^\/etc\/nginx\/conf\.d\/shop\.conf$/).some((f) => f.content.includes(DRAIN_FLAG));
      const missing = [!tool && RELEASE_TOOL, !sudo && "deploy sudo rights", !drainGate && `nginx drain gate (${DRAIN_FLAG})`].filter(Boolean);
      if (missing.length) problems.push({ message: l(`${node.name}: the host bundle lacks ${missing.join(", ")}`, `${node.name}: im Host-Bundle fehlt ${missing.join(", ")}`) });
    }
    const order = apps.map((n) => n.name).join(" → ");
    const helper = apps.find((n) => n.scheduler)?.name ?? "?";
    return {
      evidence: [
        l(`rolling order: ${order}; deployment helper runs on ${helper}`, `Reihenfolge: ${order}; der Deployment-Helper läuft auf ${helper}`),
        l(
          `health gate: ${gate ? "LB HTTP health check" : "none"}, nodes drained through ${DRAIN_FLAG} for ${ctx.spec.loadBalancer.failoverSeconds} s before each switch; ` +
            `deploy users: ${deployers.join(", ") || "none"}; ${RELEASES_KEPT} releases kept per node (npm run deploy -- --keep)`,
          `Health-Gate: ${gate ? "HTTP-Health-Check am LB" : "keins"}, Knoten werden über ${DRAIN_FLAG} ${ctx.spec.loadBalancer.failoverSeconds} s vor jedem Wechsel aus dem Verkehr genommen; ` +
            `Deploy-Benutzer: ${deployers.join(", ") || "keine"}; ${RELEASES_KEPT} Releases je Knoten behalten (npm run deploy -- --keep)`,
        ),
      ],
      problems,
    };
  },
};
