import { appNodes, dbPrimary, liveReplicas, serverTypes } from "../config";
import { delivered, merge } from "./hostChecks";
import { bundleFiles, ofType, serverOf, str, T } from "./resources";
import { both, l, list, num } from "./text";
import type { ChecklistRule, CutoverEvidence, Lang, Localized, Problem } from "./types";

export const backups: ChecklistRule = {
  id: "OPS-1",
  title: { en: "Backups: scheduled, fresh, restorable", de: "Datensicherung: geplant, aktuell, wiederherstellbar" },
  level: "mandatory",
  fix: {
    en: "Keep shop:serverBackups true, a protected Storage Box with a snapshot plan and a subaccount per host, and the backup timers plus shop-restore on the DB hosts.",
    de: "shop:serverBackups auf true lassen, eine geschützte Storage Box mit Snapshot-Plan und einem Subaccount pro Host, Backup-Timer und shop-restore auf den DB-Hosts.",
  },
  resource: {
    types: [T.server, T.storageBox],
    check(r) {
      if (r.type === T.server)
        return r.inputs.backups === true
          ? []
          : [{ message: l(`${r.name}: Hetzner server backups are off (backups: ${str(r.inputs.backups)})`, `${r.name}: Hetzner-Serverbackups sind aus (backups: ${str(r.inputs.backups)})`) }];
      const problems: Problem[] = [];
      if (r.inputs.deleteProtection !== true) problems.push({ message: l(`${r.name}: Storage Box without delete protection`, `${r.name}: Storage Box ohne Löschschutz`) });
      if (!r.inputs.snapshotPlan) problems.push({ message: l(`${r.name}: Storage Box without a snapshot plan`, `${r.name}: Storage Box ohne Snapshot-Plan`) });
      return problems;
    },
  },
  stack(ctx) {
    const { spec } = ctx;
    const problems: Problem[] = [];
    const boxes = ofType(ctx, T.storageBox);
    const subaccounts = ofType(ctx, T.storageBoxSubaccount);
    if (!boxes.length)
      problems.push({
        message: l("no Storage Box (hcloud StorageBox) is declared for off-host backups", "keine Storage Box (hcloud StorageBox) für Sicherungen außerhalb der Server deklariert"),
      });
    if (subaccounts.length < spec.nodes.length)
      problems.push({
        message: l(
          `${subaccounts.length} Storage Box subaccount(s) for ${spec.nodes.length} hosts; each host needs its own`,
          `${subaccounts.length} Storage-Box-Subaccount(s) für ${spec.nodes.length} Hosts; jeder Host braucht einen eigenen`,
        ),
      });
    const r = spec.backup.retention;
    const b = spec.backup;
    const servers = ofType(ctx, T.server).map((s) => `${s.name}=${str(s.inputs.backups)}`).join(", ");
    const subs = subaccounts.map((s) => s.name);
    const schedules = (lang: Lang) =>
      lang === "de"
        ? `Zeitpläne: DB \`${b.dbSchedule}\`, Dateien \`${b.filesSchedule}\`, Medien ${b.mediaMirror ? `\`${b.mediaSchedule}\`` : "aus"}, Prüfung \`${b.checkSchedule}\` (${b.checkReadDataSubset})`
        : `schedules: DB \`${b.dbSchedule}\`, files \`${b.filesSchedule}\`, media ${b.mediaMirror ? `\`${b.mediaSchedule}\`` : "off"}, check \`${b.checkSchedule}\` (${b.checkReadDataSubset})`;
    const heartbeat = !!b.heartbeatUrl;
    const evidence = [
      l(`server backups: ${servers}`, `Serverbackups: ${servers}`),
      ...boxes.map((box) => {
        const what = `${box.name}: ${str(box.inputs.storageBoxType)} in ${str(box.inputs.location)}, deleteProtection=${str(box.inputs.deleteProtection)}`;
        return l(what, what);
      }),
      l(`subaccounts: ${list(subs, "en")}`, `Subaccounts: ${list(subs, "de")}`),
      l(schedules("en"), schedules("de")),
      l(
        `retention: ${r.hourly} hourly, ${r.daily} daily, ${r.weekly} weekly, ${r.monthly} monthly; heartbeat ${heartbeat ? "set" : "not set"}`,
        `Aufbewahrung: ${r.hourly} stündlich, ${r.daily} täglich, ${r.weekly} wöchentlich, ${r.monthly} monatlich; Heartbeat ${heartbeat ? "gesetzt" : "nicht gesetzt"}`,
      ),
    ];
    const dumpHosts = liveReplicas(spec).length ? liveReplicas(spec) : [dbPrimary(spec)];
    return merge(
      { evidence, problems },
      delivered(ctx, spec.nodes, l("backup timers", "Backup-Timer"), /backup.*\.timer$/),
      delivered(ctx, dumpHosts, l("restore command", "Wiederherstellungsbefehl"), /shop-restore/),
    );
  },
};

const CONTACT_ROLES_DE = { owner: "Inhaber", onCall: "Rufbereitschaft", agency: "Agentur", hoster: "Hoster" } as const;

export const runbook: ChecklistRule = {
  id: "OPS-2",
  title: { en: "Contacts and server data findable", de: "Kontakt- und Serverdaten auffindbar" },
  level: "mandatory",
  fix: {
    en: "Fill shop:contacts (owner, onCall, agency, hoster with phone and email); the runbook (out/<stack>/runbook.md and the stack output runbook) is generated from it.",
    de: "shop:contacts ausfüllen (`owner`, `onCall`, `agency`, `hoster` mit Telefon und E-Mail); daraus entsteht das Betriebshandbuch (out/<stack>/runbook.md und der Stack-Output runbook).",
  },
  stack(ctx) {
    const { spec } = ctx;
    const problems: Problem[] = [];
    const c = spec.contacts;
    const evidence = (["owner", "onCall", "agency", "hoster"] as const).map((role) => {
      const who = c[role];
      const de = `${CONTACT_ROLES_DE[role]} (shop:contacts.${role})`;
      return who ? l(`${role}: ${who.name}, ${who.phone}, ${who.email}`, `${de}: ${who.name}, ${who.phone}, ${who.email}`) : l(`${role}: not declared`, `${de}: nicht eingetragen`);
    });
    for (const node of spec.nodes)
      if (!serverOf(ctx, node.name))
        problems.push({
          message: l(`host ${node.name} has no server resource, so the runbook cannot list it`, `Host ${node.name} hat keine Server-Ressource, das Betriebshandbuch kann ihn nicht aufführen`),
        });
    const hosts = spec.nodes.map((n) => n.name).join(", ");
    evidence.push(l(`hosts in the runbook: ${hosts}`, `Hosts im Betriebshandbuch: ${hosts}`));
    // Where order mails go is server data too: read from the rendered .env.local and the declared records.
    const dsnOn = appNodes(spec).filter((n) => bundleFiles(ctx, n.name, /\/\.env\.local$/).some((f) => /^MAILER_DSN=/m.test(f.content)));
    const txt = ofType(ctx, T.dnsRecord).filter((r) => r.inputs.type === "TXT").map((r) => str(r.inputs.name));
    const records = txt.length ? txt.join(", ") : "none";
    evidence.push(
      dsnOn.length
        ? l(`order mails: MAILER_DSN (secret) in .env.local on ${dsnOn.map((n) => n.name).join(", ")}, sender ${spec.mail?.sender}; SPF/DKIM/DMARC records: ${records}`, `Bestellmails: MAILER_DSN (geheim) in .env.local auf ${dsnOn.map((n) => n.name).join(", ")}, Absender ${spec.mail?.sender}; SPF/DKIM/DMARC-Einträge: ${records}`)
        : l("order mails: not configured (shop:mail): Shopware uses the Admin's mailer settings, and Hetzner Cloud blocks outbound 25 and 465", "Bestellmails: nicht konfiguriert (shop:mail): Shopware nutzt die Mailer-Einstellungen der Administration, und Hetzner Cloud sperrt ausgehend 25 und 465"),
    );
    return { evidence, problems };
  },
};

export const dedicatedServers: ChecklistRule = {
  id: "OPS-3",
  title: { en: "Real dedicated servers", de: "Echte dedizierte Server" },
  level: "mandatory",
  fix: {
    en: "Use dedicated-vCPU ccx* types in production (shop:serverTypes.app/db); check the hosts after a deploy with npm run verify-hosts -- --stack NAME (uname -a, php -v, top, df -h, failed units, the database's role and replication, as the readonly role).",
    de: "In Produktion dedizierte vCPU-Typen ccx* verwenden (shop:serverTypes.app/db); nach dem Deploy die Hosts mit npm run verify-hosts -- --stack NAME prüfen (uname -a, php -v, top, df -h, fehlgeschlagene Units, Rolle der Datenbank und Replikation, als readonly-Rolle).",
  },
  resource: {
    types: [T.server],
    check(r, ctx) {
      const type = str(r.inputs.serverType);
      const facts = serverTypes[type];
      if (!facts) return [{ message: l(`${r.name}: unknown server type ${type}`, `${r.name}: unbekannter Servertyp ${type}`) }];
      return ctx.spec.production && !facts.dedicated
        ? [{ message: l(`${r.name}: ${type} is shared vCPU in production`, `${r.name}: ${type} hat geteilte vCPUs in Produktion`) }]
        : [];
    },
  },
  stack(ctx) {
    const v = ctx.verification;
    return {
      evidence: [
        l(`environment: ${ctx.spec.environment}`, `Umgebung: ${ctx.spec.production ? "Produktion" : "Staging"}`),
        ...(v
          ? [
              l(`hosts verified by npm run verify-hosts at ${v.at} (out/${ctx.spec.stack}/verify/${v.file}):`, `Hosts geprüft mit npm run verify-hosts am ${v.at} (out/${ctx.spec.stack}/verify/${v.file}):`),
              ...v.hosts.map((h) => {
                const seen = [h.kernel, h.php].filter(Boolean).join(", ");
                return l(`${h.host}: ${h.ok ? "ok" : `problems: ${h.problems.join("; ")}`} (${seen})`, `${h.host}: ${h.ok ? "in Ordnung" : `Probleme: ${h.problems.join("; ")}`} (${seen})`);
              }),
            ]
          : [l(`no host verification recorded: run npm run verify-hosts -- --stack ${ctx.spec.stack} after a deploy`, `keine Hostprüfung aufgezeichnet: nach dem Deploy npm run verify-hosts -- --stack ${ctx.spec.stack} ausführen`)]),
        ...ofType(ctx, T.server).map((s) => {
          const type = str(s.inputs.serverType);
          const f = serverTypes[type];
          return l(
            `${s.name}: ${type} (${f ? `${f.cores} ${f.dedicated ? "dedicated" : "shared"} vCPU, ${f.memoryGb} GB` : "unknown"})`,
            `${s.name}: ${type} (${f ? `${f.cores} ${f.dedicated ? "dedizierte" : "geteilte"} vCPU, ${f.memoryGb} GB` : "unbekannt"})`,
          );
        }),
      ],
      // The newest record on the real hosts is a finding like any declared one.
      problems: (v?.hosts ?? [])
        .filter((h) => !h.ok)
        .map((h) => ({ message: l(`${h.host} failed verify-hosts at ${v!.at}: ${h.problems.join("; ")}`, `${h.host} hat verify-hosts am ${v!.at} nicht bestanden: ${h.problems.join("; ")}`) })),
    };
  },
};

export const cutover: ChecklistRule = {
  id: "OPS-4",
  title: { en: "Migration cutover with rollback", de: "Migration: Umschaltung mit Rückfallweg" },
  level: "mandatory",
  fix: {
    en: "Keep shop:dns.proxied true (ttl automatic) so a flip of shop:dns.target between the old host and lb takes seconds, and strict TLS on every zone.",
    de: "shop:dns.proxied auf true lassen (TTL automatisch), damit ein Umstellen von shop:dns.target zwischen Altsystem und lb Sekunden dauert; strenges TLS in jeder Zone.",
  },
  resource: {
    types: [T.dnsRecord],
    check(r) {
      const problems: Problem[] = [];
      if (r.inputs.proxied !== true) problems.push({ message: l(`${r.name}: DNS record is not proxied through Cloudflare`, `${r.name}: DNS-Eintrag läuft nicht über den Cloudflare-Proxy`) });
      else if (r.inputs.ttl !== 1)
        problems.push({
          message: l(`${r.name}: proxied record with ttl ${str(r.inputs.ttl)} (must be 1 = automatic)`, `${r.name}: Proxy-Eintrag mit TTL ${str(r.inputs.ttl)} (muss 1 = automatisch sein)`),
        });
      return problems;
    },
  },
  stack(ctx) {
    const { spec } = ctx;
    const problems: Problem[] = [];
    const records = ofType(ctx, T.dnsRecord);
    for (const host of spec.hostnames) if (!records.some((r) => r.inputs.name === host)) problems.push({ message: l(`no DNS record for ${host}`, `kein DNS-Eintrag für ${host}`) });
    const strict = ofType(ctx, T.zoneSetting).filter((z) => z.inputs.settingId === "ssl" && z.inputs.value === "strict");
    // Zone settings follow the cutover (cloud/dns.ts): before it the old origin keeps the zone's own mode.
    if (spec.dns.target === "lb")
      for (const d of spec.domains)
        if (!strict.some((z) => z.inputs.zoneId === d.zoneId))
          problems.push({ message: l(`zone ${d.zone}: SSL mode is not Full (strict)`, `Zone ${d.zone}: SSL-Modus ist nicht Full (strict)`) });
    const recordList = records.map((r) => `${str(r.inputs.name)} ${str(r.inputs.type)}→${str(r.inputs.content)} proxied=${str(r.inputs.proxied)} ttl=${str(r.inputs.ttl)}`).join(", ");
    const cutOver = spec.dns.target === "lb";
    const c = ctx.cutover;
    return {
      evidence: [
        l(`records: ${recordList}`, `Einträge: ${recordList}`),
        cutOver
          ? l(
              `traffic goes to the load balancer (cut over); rollback: npm run cutover -- --stack ${spec.stack} --rollback`,
              `der Verkehr geht an den Loadbalancer (umgeschaltet); Rückfallweg: npm run cutover -- --stack ${spec.stack} --rollback`,
            )
          : l(
              `traffic goes to the old host ${spec.dns.target} (cutover pending: npm run cutover -- --stack ${spec.stack}); rollback: npm run cutover -- --stack ${spec.stack} --rollback`,
              `der Verkehr geht noch an das Altsystem ${spec.dns.target} (Umschaltung steht aus: npm run cutover -- --stack ${spec.stack}); Rückfallweg: npm run cutover -- --stack ${spec.stack} --rollback`,
            ),
        ...(c ? [cutoverLine(c, spec.stack)] : []),
      ],
      // The newest switch on the real stack is a finding like any declared one: one that did not complete is open.
      problems: [
        ...problems,
        ...(c && !c.ok
          ? [
              {
                message: l(
                  `the last switch to ${c.to} (${c.at}) did not complete: not every resolver answered from ${c.to}; run npm run cutover again or roll back`,
                  `die letzte Umschaltung auf ${c.to} (${c.at}) wurde nicht fertig: nicht jeder Resolver antwortete von ${c.to}; npm run cutover erneut ausführen oder zurückschalten`,
                ),
              },
            ]
          : []),
        ...(c && c.ok && c.to !== spec.dns.target
          ? [{ message: l(`the stack file says shop:dns.target ${spec.dns.target}, but the last recorded switch went to ${c.to} (${c.at})`, `die Stack-Datei sagt shop:dns.target ${spec.dns.target}, die letzte aufgezeichnete Umschaltung ging aber auf ${c.to} (${c.at})`) }]
          : []),
      ],
    };
  },
};

/** The newest recorded switch, as OPS-4's evidence quotes it. */
function cutoverLine(c: CutoverEvidence, stack: string): Localized {
  const file = `out/${stack}/cutover/${c.file}`;
  return both((lang) => {
    const s = (v: number | null) => (v === null ? "–" : `${num(v, lang, 1)} s`);
    const times = c.perResolver.map((p) => `${p.resolver} ${s(p.switchedAfter)}`).join(", ");
    if (lang === "de")
      return c.ok
        ? `letzte Umschaltung: ${c.from} → ${c.to} am ${c.at} (${file}): jede Antwort von ${c.to} ${s(c.switchedAfter)} nach dem Umstellen (${times})`
        : `letzte Umschaltung: ${c.from} → ${c.to} am ${c.at} (${file}): NICHT fertig (${times})`;
    return c.ok
      ? `last switch: ${c.from} → ${c.to} at ${c.at} (${file}): every answer from ${c.to} ${s(c.switchedAfter)} after the flip (${times})`
      : `last switch: ${c.from} → ${c.to} at ${c.at} (${file}): NOT complete (${times})`;
  });
}
