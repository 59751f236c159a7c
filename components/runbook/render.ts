import type { Lang } from "../checklist/types";
import type { HealthCheckFacts, RunbookData, RunbookHost } from "./data";

const text = {
  en: {
    title: (d: RunbookData) => `# Runbook: ${d.customer} (stack ${d.stack}, ${d.environment})`,
    intro: "Generated from the stack file and the offline plan. Everything someone on call needs to reach people and servers, and every procedure.",
    contacts: "## Contacts",
    roles: { owner: "Owner", onCall: "On call", agency: "Agency", hoster: "Hoster" },
    contactHead: "| Role | Name | Phone | E-mail |",
    hosts: "## Hosts",
    hostHead: "| Host | Roles | Public IPv4 | Public IPv6 | Private IP | Type | Location |",
    lb: "## Load balancer and domains",
    healthCheck: (h: HealthCheckFacts) => `GET ${h.path} every ${h.interval} s, ${h.retries} retries (failover after ≈${h.failoverSeconds} s)`,
    access: "## Who may log in",
    accessIntro: (from: string) => `SSH is open only from ${from}. Users log in with their own key; there are no shared accounts.`,
    userHead: "| User | Role | Expires | Note |",
    automation: (u: string) => `The automation user \`${u}\` is used only by converge (pulumi up).`,
    allowlist: (cidrs: string[]) => (cidrs.length ? `The shop admin (/admin) is reachable only from ${cidrs.join(", ")}.` : "The shop admin (/admin) has no IP allow-list."),
    backups: "## Backups: where they live and how to restore",
    backupWhere: (d: RunbookData) =>
      `Off-host backups go to a Hetzner Storage Box ${d.backups.storageBoxType} in ${d.backups.location}: one subaccount and one restic repository (SFTP, port 23) per host. ` +
      `DB dumps run on ${d.backups.dumpHost} (${d.backups.schedules.db}), files ${d.backups.schedules.files}, media mirror ${d.backups.schedules.media ?? "off"}, repository check ${d.backups.schedules.check}. ` +
      `Retention: ${d.backups.retention.hourly} hourly, ${d.backups.retention.daily} daily, ${d.backups.retention.weekly} weekly, ${d.backups.retention.monthly} monthly. ` +
      `Hetzner server backups (7 daily crash-consistent images): ${d.backups.serverBackups ? "on" : "off"}.`,
    restoreSteps: "Restore, as root on the host whose restic repository holds the snapshot:",
    listSnapshots: "List the snapshots",
    scratch: "Test restore into a scratch database (touches nothing live)",
    liveDb: "Restore over the live database on the primary (the dump streams from the replica's repository)",
    files: "Restore files of an app node into a directory, then copy back what is needed",
    lostHost: "A host is lost: `pulumi up --stack STACK` recreates it with the same name, IP and bundle; then restore the database and files as above. The Hetzner server backup of a host can be restored in the Hetzner console (crash-consistent only).",
    failover: "## Database promotion and failover",
    failoverSteps: (d: RunbookData, primary: RunbookHost, replica: RunbookHost | undefined) =>
      replica
        ? [
            `Failover is manual on purpose (two nodes cannot vote; automatic failover risks split brain).`,
            `1. Confirm the primary ${primary.name} (${primary.privateIp}) is really down: \`ssh ADMIN@${primary.publicIpv4} 'systemctl status mariadb'\`; stop it if it is half alive: \`ssh ADMIN@${primary.publicIpv4} 'sudo systemctl stop mariadb'\`.`,
            `2. On the replica ${replica.name}, stop fetching and let it apply what it has: \`ssh ADMIN@${replica.publicIpv4} 'sudo mariadb -e "STOP SLAVE IO_THREAD; SHOW SLAVE STATUS\\G"'\`; repeat until Slave_SQL_Running_State says it has read all relay log.`,
            `3. Promote it: \`ssh ADMIN@${replica.publicIpv4} 'sudo mariadb -e "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only=OFF;"'\` (semi-sync stays off until a new replica is attached).`,
            `4. Point the app nodes (${d.deploy.order.join(", ")}) at ${replica.privateIp} instead of ${primary.privateIp} in DATABASE_URL of ${d.database.envFile} and reload php-fpm on each.`,
            `5. Check the shop: \`curl -fsS ${d.appUrl}/api/_info/health-check\`.`,
            `6. Later, rebuild ${primary.name} as the new replica from a fresh dump and restore the roles in the stack file.`,
          ]
        : [`This stack has no replica: restore the database from the backup (see above).`],
    cutover: "## Cutover and rollback",
    cutoverNow: (d: RunbookData) =>
      d.dns.target === "lb"
        ? `Traffic goes to the load balancer (cut over). DNS is ${d.dns.proxied ? "proxied by Cloudflare: changes take effect within seconds" : "NOT proxied: changes wait for the TTL"}.`
        : `Traffic still goes to the old host ${d.dns.target}. DNS is ${d.dns.proxied ? "proxied by Cloudflare: the flip takes effect within seconds" : "NOT proxied: the flip waits for the TTL"}.`,
    cutoverSteps: "Cut over to the new hosts, watch, and roll back by flipping back:",
    deploy: "## Rolling deploy",
    deploySteps: (d: RunbookData, lbFailover: string) => [
      `One node at a time, in this order: ${d.deploy.order.join(" → ")}. The LB health check (${lbFailover}) takes a stopped node out of rotation.`,
      `1. Drain the node: \`ssh ADMIN@NODE sudo systemctl stop nginx\` and wait until the LB marks it unhealthy.`,
      `2. Update the code on the node; run \`vendor/bin/shopware-deployment-helper run\` only on ${d.deploy.schedulerHost} (migrations run once).`,
      `3. \`sudo systemctl reload php*-fpm && sudo systemctl start nginx\`; wait until \`curl -fsS -H 'Host: ${d.hostnames[0]}' http://PRIVATE_IP/api/_info/health-check\` answers 200 from the LB's network.`,
      `4. Continue with the next node. A major update needs maintenance mode instead.`,
    ],
    updates: "## Update windows",
    updatesIntro: (d: RunbookData) =>
      `Security updates install unattended every day. Automatic reboots are ${d.updates.automaticReboot ? "on" : "off"}; each host has its own hour so mirrored nodes never reboot together:`,
    windowHead: "| Host | Reboot time |",
  },
  de: {
    title: (d: RunbookData) => `# Betriebshandbuch: ${d.customer} (Stack ${d.stack}, ${d.environment})`,
    intro: "Erzeugt aus der Stack-Datei und dem Offline-Plan. Alles, was die Rufbereitschaft braucht, um Menschen und Server zu erreichen, und jedes Verfahren.",
    contacts: "## Kontakte",
    roles: { owner: "Inhaber", onCall: "Rufbereitschaft", agency: "Agentur", hoster: "Hoster" },
    contactHead: "| Rolle | Name | Telefon | E-Mail |",
    hosts: "## Server",
    hostHead: "| Host | Rollen | Öffentliche IPv4 | Öffentliche IPv6 | Private IP | Typ | Standort |",
    lb: "## Loadbalancer und Domains",
    healthCheck: (h: HealthCheckFacts) => `GET ${h.path} alle ${h.interval} s, ${h.retries} Versuche (Failover nach ≈${h.failoverSeconds} s)`,
    access: "## Wer sich anmelden darf",
    accessIntro: (from: string) => `SSH ist nur aus ${from} erreichbar. Jeder meldet sich mit dem eigenen Schlüssel an; es gibt keine geteilten Konten.`,
    userHead: "| Benutzer | Rolle | Gültig bis | Notiz |",
    automation: (u: string) => `Der Automatisierungsbenutzer \`${u}\` wird nur vom Converge (pulumi up) verwendet.`,
    allowlist: (cidrs: string[]) => (cidrs.length ? `Die Shop-Administration (/admin) ist nur aus ${cidrs.join(", ")} erreichbar.` : "Die Shop-Administration (/admin) hat keine IP-Freigabeliste."),
    backups: "## Datensicherung: Ablageort und Wiederherstellung",
    backupWhere: (d: RunbookData) =>
      `Die Datensicherung liegt außerhalb der Server in einer Hetzner Storage Box ${d.backups.storageBoxType} in ${d.backups.location}: ein Subaccount und ein restic-Repository (SFTP, Port 23) pro Host. ` +
      `DB-Dumps laufen auf ${d.backups.dumpHost} (${d.backups.schedules.db}), Dateien ${d.backups.schedules.files}, Medien-Spiegel ${d.backups.schedules.media ?? "aus"}, Repository-Prüfung ${d.backups.schedules.check}. ` +
      `Aufbewahrung: ${d.backups.retention.hourly} stündlich, ${d.backups.retention.daily} täglich, ${d.backups.retention.weekly} wöchentlich, ${d.backups.retention.monthly} monatlich. ` +
      `Hetzner-Serverbackups (7 tägliche, absturzkonsistente Abbilder): ${d.backups.serverBackups ? "an" : "aus"}.`,
    restoreSteps: "Wiederherstellen, als root auf dem Host, dessen restic-Repository den Snapshot enthält:",
    listSnapshots: "Snapshots auflisten",
    scratch: "Probe-Wiederherstellung in eine Test-Datenbank (berührt nichts Produktives)",
    liveDb: "Über die produktive Datenbank auf dem Primary wiederherstellen (der Dump kommt aus dem Repository der Replica)",
    files: "Dateien eines App-Knotens in ein Verzeichnis wiederherstellen und das Benötigte zurückkopieren",
    lostHost: "Ein Host ist verloren: `pulumi up --stack STACK` legt ihn mit gleichem Namen, gleicher IP und gleichem Bundle neu an; danach Datenbank und Dateien wie oben wiederherstellen. Das Hetzner-Serverbackup eines Hosts lässt sich in der Hetzner-Konsole zurückspielen (nur absturzkonsistent).",
    failover: "## Datenbank: Promotion und Failover",
    failoverSteps: (d: RunbookData, primary: RunbookHost, replica: RunbookHost | undefined) =>
      replica
        ? [
            `Das Failover ist bewusst manuell (zwei Knoten können nicht abstimmen; automatisches Failover riskiert Split Brain).`,
            `1. Prüfen, dass der Primary ${primary.name} (${primary.privateIp}) wirklich ausgefallen ist: \`ssh ADMIN@${primary.publicIpv4} 'systemctl status mariadb'\`; halb laufend stoppen: \`ssh ADMIN@${primary.publicIpv4} 'sudo systemctl stop mariadb'\`.`,
            `2. Auf der Replica ${replica.name} das Nachladen stoppen und den Rest anwenden lassen: \`ssh ADMIN@${replica.publicIpv4} 'sudo mariadb -e "STOP SLAVE IO_THREAD; SHOW SLAVE STATUS\\G"'\`; wiederholen, bis Slave_SQL_Running_State meldet, dass das Relay-Log vollständig gelesen ist.`,
            `3. Befördern: \`ssh ADMIN@${replica.publicIpv4} 'sudo mariadb -e "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only=OFF;"'\` (Semi-Sync bleibt aus, bis eine neue Replica angebunden ist).`,
            `4. Die App-Knoten (${d.deploy.order.join(", ")}) in DATABASE_URL von ${d.database.envFile} von ${primary.privateIp} auf ${replica.privateIp} umstellen und php-fpm auf jedem neu laden.`,
            `5. Shop prüfen: \`curl -fsS ${d.appUrl}/api/_info/health-check\`.`,
            `6. Danach ${primary.name} aus einem frischen Dump als neue Replica aufbauen und die Rollen in der Stack-Datei nachziehen.`,
          ]
        : [`Dieser Stack hat keine Replica: die Datenbank aus der Datensicherung wiederherstellen (siehe oben).`],
    cutover: "## Umschaltung (Cutover) und Rückfallweg",
    cutoverNow: (d: RunbookData) =>
      d.dns.target === "lb"
        ? `Der Verkehr geht an den Loadbalancer (umgeschaltet). DNS ist ${d.dns.proxied ? "über Cloudflare geproxied: Änderungen wirken binnen Sekunden" : "NICHT geproxied: Änderungen warten auf die TTL"}.`
        : `Der Verkehr geht noch an das Altsystem ${d.dns.target}. DNS ist ${d.dns.proxied ? "über Cloudflare geproxied: das Umschalten wirkt binnen Sekunden" : "NICHT geproxied: das Umschalten wartet auf die TTL"}.`,
    cutoverSteps: "Auf die neuen Server umschalten, beobachten und durch Zurückschalten zurückrollen:",
    deploy: "## Rollierendes Deployment",
    deploySteps: (d: RunbookData, lbFailover: string) => [
      `Ein Knoten nach dem anderen, in dieser Reihenfolge: ${d.deploy.order.join(" → ")}. Der LB-Health-Check (${lbFailover}) nimmt einen gestoppten Knoten aus der Rotation.`,
      `1. Knoten leeren: \`ssh ADMIN@KNOTEN sudo systemctl stop nginx\` und warten, bis der LB ihn als ungesund markiert.`,
      `2. Code auf dem Knoten aktualisieren; \`vendor/bin/shopware-deployment-helper run\` nur auf ${d.deploy.schedulerHost} ausführen (Migrationen laufen einmal).`,
      `3. \`sudo systemctl reload php*-fpm && sudo systemctl start nginx\`; warten, bis \`curl -fsS -H 'Host: ${d.hostnames[0]}' http://PRIVATE_IP/api/_info/health-check\` aus dem LB-Netz 200 liefert.`,
      `4. Mit dem nächsten Knoten weitermachen. Ein Major-Update braucht stattdessen den Wartungsmodus.`,
    ],
    updates: "## Update-Fenster (Software-Updates)",
    updatesIntro: (d: RunbookData) =>
      `Sicherheitsupdates installieren sich täglich unbeaufsichtigt. Automatische Neustarts sind ${d.updates.automaticReboot ? "an" : "aus"}; jeder Host hat seine eigene Stunde, damit gespiegelte Knoten nie gleichzeitig neu starten:`,
    windowHead: "| Host | Neustartzeit |",
  },
} as const;

const code = (lines: string[]) => ["```sh", ...lines, "```"];

/** runbook.md in one language, from the runbook data alone. */
export function renderRunbook(d: RunbookData, lang: Lang): string {
  const t = text[lang];
  const admin = d.access.users.find((u) => u.role === "admin")?.name ?? "ADMIN";
  const host = (name: string) => d.hosts.find((h) => h.name === name)!;
  const primary = host(d.database.primary);
  const replica = d.database.replicas.length ? host(d.database.replicas[0]) : undefined;
  const dump = host(d.backups.dumpHost);
  const app = host(d.deploy.order[0]);
  const ssh = (h: RunbookHost, cmd: string) => `ssh ${admin}@${h.publicIpv4} '${cmd}'`;
  const old = d.dns.target === "lb" ? "OLD_HOST_IP" : d.dns.target;
  const lines: string[] = [
    t.title(d),
    "",
    t.intro,
    "",
    `Shop: ${d.appUrl} (${d.hostnames.join(", ")}), Shopware ${d.shopware}`,
    "",
    t.contacts,
    "",
    t.contactHead,
    "|---|---|---|---|",
    ...d.contacts.map((c) => `| ${t.roles[c.role]} | ${c.name} | ${c.phone} | ${c.email} |`),
    "",
    t.hosts,
    "",
    t.hostHead,
    "|---|---|---|---|---|---|---|",
    ...d.hosts.map((h) => `| ${h.name} | ${h.roles.join(", ")}${h.scheduler ? " (scheduler)" : ""} | ${h.publicIpv4} | ${h.publicIpv6} | ${h.privateIp} | ${h.serverType} | ${h.location} |`),
    "",
    t.lb,
    "",
    `- ${d.loadBalancer.name} (${d.loadBalancer.type}): ${d.loadBalancer.ipv4}, ${d.loadBalancer.ipv6}, private ${d.loadBalancer.privateIp}`,
    `- Health check: ${t.healthCheck(d.loadBalancer.healthCheck)}`,
    `- DNS: ${d.hostnames.join(", ")} → ${d.dns.target}${d.dns.proxied ? " (Cloudflare proxied)" : ""}`,
    "",
    t.access,
    "",
    t.accessIntro(d.access.sshFrom.join(", ")),
    "",
    t.userHead,
    "|---|---|---|---|",
    ...d.access.users.map((u) => `| ${u.name} | ${u.role} | ${u.expires ?? "—"} | ${u.comment ?? ""} |`),
    "",
    t.automation(d.access.automationUser),
    t.allowlist(d.access.adminAllowlist),
    "",
    t.backups,
    "",
    t.backupWhere(d),
    "",
    t.restoreSteps,
    "",
    `- ${t.listSnapshots}:`,
    ...code([ssh(dump, "sudo shop-restore list db")]),
    `- ${t.scratch}:`,
    ...code([ssh(dump, "sudo shop-restore db --into shop_restore_check")]),
    `- ${t.liveDb}:`,
    ...code([`${ssh(dump, "sudo shop-restore db --snapshot SNAPSHOT_ID --stdout")} | ${ssh(primary, `sudo mariadb ${d.database.name}`)}`]),
    `- ${t.files}:`,
    ...code([ssh(app, "sudo shop-restore list files"), ssh(app, "sudo shop-restore files --snapshot SNAPSHOT_ID --target /var/tmp/shop-restore")]),
    "",
    t.lostHost.replace("STACK", d.stack),
    "",
    t.failover,
    "",
    ...t.failoverSteps(d, primary, replica).map((s) => s.replaceAll("ADMIN", admin)),
    "",
    t.cutover,
    "",
    t.cutoverNow(d),
    "",
    t.cutoverSteps,
    "",
    ...code([
      `npm run adopt -- --stack ${d.stack} --online   # records and WAF rules the zones already have: import them first (README)`,
      `pulumi config set --path 'shop:dns.target' lb --stack ${d.stack} && pulumi up --stack ${d.stack}`,
      `for i in $(seq 90); do curl -s -o /dev/null -w '%{http_code} %{time_total}\\n' ${d.appUrl}/api/_info/health-check; sleep 1; done`,
      `# rollback:`,
      `pulumi config set --path 'shop:dns.target' ${old} --stack ${d.stack} && pulumi up --stack ${d.stack}`,
      `# the zone settings stay (ssl strict): an old host without a strict-valid certificate needs SSL/TLS → Full in the dashboard`,
    ]),
    "",
    t.deploy,
    "",
    ...t.deploySteps(d, t.healthCheck(d.loadBalancer.healthCheck)).map((s) => s.replaceAll("ADMIN", admin)),
    "",
    t.updates,
    "",
    t.updatesIntro(d),
    "",
    t.windowHead,
    "|---|---|",
    ...d.updates.windows.map((w) => `| ${w.host} | ${w.time} |`),
    "",
  ];
  return lines.join("\n");
}
