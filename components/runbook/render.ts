import { RESEED_TOOL } from "../hostconfig/mariadb";
import { isDocumentationAddress, shortNodeName } from "../config";
import { markdown } from "../hostconfig/escape";
import { provenanceLines } from "../checklist/text";
import type { Lang, Provenance, StackRecords } from "../checklist/types";
import type { HealthCheckFacts, RunbookData, RunbookHost } from "./data";

/** The shell variable every command logs in with: whoever is on call sets it to their own login. */
const ADMIN = "$ADMIN";

/** The nodes README "Upgrade path" names, without the stack prefix: replica, primary, app-only nodes. */
interface UpgradeNames {
  replica: string;
  primary: string;
  apps: string[];
}

function upgradeNames(d: RunbookData): UpgradeNames {
  const short = (name: string) => shortNodeName(d.stack, name);
  const dbHosts = [d.database.primary, ...d.database.replicas, ...d.database.outOfService];
  return {
    replica: short(d.database.replicas[0] ?? d.database.outOfService[0] ?? d.database.primary),
    primary: short(d.database.primary),
    apps: d.hosts.filter((h) => !dbHosts.includes(h.name)).map((h) => short(h.name)),
  };
}

const text = {
  en: {
    title: (d: RunbookData) => `# Runbook: ${d.customer} (stack ${d.stack}, ${d.environment})`,
    provenance: "**Provenance**",
    intro: "Generated from the stack file and the plan (offline or the real engine). Everything the admin on call needs to reach people and servers, and every procedure.",
    shop: (d: RunbookData) => `Shop: ${d.appUrl} (${d.hostnames.join(", ")}), Shopware ${d.shopware}`,
    offline:
      "**Offline plan:** the public addresses below (203.0.113.x, 2001:db8:…) are placeholders from documentation ranges, marked *(offline)*. After `pulumi up`, `pulumi stack output runbook` renders this runbook with the real ones, and `pulumi stack output hosts` lists them.",
    offlineComment: "# offline plan: 203.0.113.x / 2001:db8:… are placeholders; `pulumi stack output hosts` has the real addresses",
    offlineMark: " *(offline)*",
    oldHostMark: " *(documentation address: replace it with the old host's real IP)*",
    triage: "## Shop is down: triage",
    whoIsOnCall: (d: RunbookData) =>
      `Written for the admin on call. Log in with your own account: set \`export ADMIN=<your login>\` once, every command below uses \`$ADMIN\`. Admins of this stack: ${d.access.users.filter((u) => u.role === "admin").map((u) => `${markdown(u.name)}${u.comment ? ` (${markdown(u.comment)})` : ""}${u.expires ? `, until ${u.expires}` : ""}`).join(", ") || "none declared: only the automation user can administer the hosts"}.`,
    escalate: (d: RunbookData) => {
      const c = d.contacts.find((x) => x.role === "onCall");
      const h = d.contacts.find((x) => x.role === "hoster");
      return `Escalate to the on-call rotation${c ? ` ${markdown(c.name)}, ${markdown(c.phone)}, ${markdown(c.email)}` : ""}${h ? `; hoster ${markdown(h.name)}, ${markdown(h.phone)}` : ""}. Work through the steps in order and stop at the first one that fails.`;
    },
    step0:
      "0. One screen first, from a machine with the stack's outputs and a readonly-role login: every host's reachability, load per core, disk, memory, failed units, the database's role and replication, backup age, the last alert, and the shop's health check with its certificate. Exit status 1 when anything is red; the findings at the bottom name what to fix, the steps below say how.",
    verify: "## Host verification (OPS-3)",
    verifyIntro:
      "After every deploy, rebuild or failover, check that each host is a real server with the expected software: as a readonly-role login, `uname -a`, `php -v`, `top`, `df -h`, failed units and the database's role and replication, stored with a timestamp in out/<stack>/verify/ (JSON and Markdown). The audit quotes the newest record under OPS-3.",
    verifyNone: "No verification recorded yet.",
    verifyAt: (at: string, file: string, ok: boolean) => `Last verification: ${at} (${file}): ${ok ? "every host passed" : "problems found"}.`,
    verifyHost: (host: string, ok: boolean, seen: string, problems: string[]) => `- ${host}: ${ok ? "ok" : `problems: ${problems.map(markdown).join("; ")}`}${seen ? ` (${markdown(seen)})` : ""}`,
    step1: "1. From outside: does the shop answer? 200 means yes; Cloudflare's 52x pages mean it cannot reach the load balancer.",
    step2: (lb: string) => `2. The load balancer: which targets are healthy (needs \`HCLOUD_TOKEN\`; the console shows the same under Load Balancers → ${lb}).`,
    step3: "3. Each app node: the health check as the load balancer sends it, failed units, and the services check.",
    step4: (p: string) => `4. The database primary ${p}: is MariaDB up and writable, and are Redis (sessions, cache) up?`,
    step5: "5. Disk, memory and load on any host that looks slow:",
    step6:
      "6. A single broken node is already out of rotation: restart the failed unit and read its log (next section). If the primary is down, follow \"Database: promote the replica to primary\". While you repair, put the shop into maintenance so customers see a maintenance page instead of errors.",
    logs: "## Logs per host and unit",
    logsIntro: "Every service logs to the journal: `sudo journalctl -u UNIT -n 200 --no-pager` (add `-f` to follow, `--since '-1h'` to narrow). nginx also writes /var/log/nginx/error.log and access.log.",
    logHead: "| Host | Units |",
    alerts: "## Where alerts go",
    alertsIntro: (d: RunbookData) =>
      `shop-health runs every minute on every host and alerts on changes only (firing, then resolved), repeating a firing alert every ${d.alerts.repeatMinutes} min, to:`,
    noHooks: "no webhook: alerts reach nobody (shop:monitoring.webhooks is empty).",
    appAlerts: (primary: string, scheduler: string) =>
      `Alerts about Shopware's queue or its scheduled tasks come from the database primary ${primary} (it reads messenger_messages and scheduled_task). A backlog means the consumers are not working: \`sudo systemctl status 'shop-consumer@*'\` on each app node; an overdue task means the scheduler is not: \`sudo systemctl status shop-scheduler\` on ${scheduler}. \`sudo shop-health --only shopware\` on ${primary} shows both now; the alert resolves once the queue drains and the task has run.`,
    hook: (name: string, type: string) => `webhook ${name} (${type}); its URL is a secret in the stack config`,
    heartbeat: (backup: boolean, monitoring: boolean) =>
      `Backup heartbeat: ${backup ? "set (every backup pings it; a missing ping alerts there)" : "not set"}. Monitoring heartbeat (dead-man's switch): ${monitoring ? "set. Every host pings it each minute; an alert from the heartbeat service means no host has reported for its grace time: every host is down or unreachable from outside, or shop-health stopped everywhere (check Hetzner's console first, then \`systemctl status shop-health.timer\`); a /fail ping means an alert could not be delivered to a webhook, so check the webhooks" : "not set: nothing notices when every host is gone (HW-3 fails)"}.`,
    cloudflare: (on: boolean) =>
      on ? "Cloudflare Health Checks probe the shop from several regions and alert through Cloudflare Notifications." : "External multi-region checks: off (shop:monitoring.cloudflareHealthchecks; needs a paid Cloudflare plan).",
    checkly: (c: { locations: string[]; frequencyMinutes: number } | null) =>
      c
        ? `Checkly checks the health endpoint every ${c.frequencyMinutes} min from ${c.locations.join(", ")} and alerts the same webhooks after two failed runs (the check's result link is in the alert). A Checkly alert with no shop-health alert means the path from outside is broken (DNS, Cloudflare, certificate), not the hosts.`
        : "Checkly checks: off (shop:monitoring.checkly).",
    maintenance: "## Maintenance mode",
    maintenanceIntro: (app: string) => `Shopware's maintenance mode applies to every sales channel; run it on one app node (${app}), the setting is in the shared database:`,
    maintenanceOn: "# on",
    maintenanceOff: "# off again, once the shop is healthy",
    contacts: "## Contacts",
    roles: { owner: "Owner", onCall: "On call", agency: "Agency", hoster: "Hoster" },
    contactHead: "| Role | Name | Phone | E-mail |",
    hosts: "## Hosts",
    hostHead: "| Host | Roles | Public IPv4 | Public IPv6 | Private IP | Type | Image | Location |",
    scheduler: " (scheduler)",
    lb: "## Load balancer and domains",
    lbLine: (d: RunbookData, mark: (a: string) => string) =>
      `- ${d.loadBalancer.name} (${d.loadBalancer.type}): ${mark(d.loadBalancer.ipv4)}, ${mark(d.loadBalancer.ipv6)}, private ${d.loadBalancer.privateIp}`,
    healthCheckLine: "Health check",
    healthCheck: (h: HealthCheckFacts) => `GET ${h.path} every ${h.interval} s, ${h.retries} retries (failover after ≈${h.failoverSeconds} s)`,
    dnsLine: (d: RunbookData, target: string) => `- DNS: ${d.hostnames.join(", ")} → ${target}${d.dns.proxied ? " (proxied by Cloudflare)" : ""}`,
    access: "## Who may log in",
    accessIntro: (from: string) => `SSH is open only from ${from}. Users log in with their own key; there are no shared accounts.`,
    userHead: "| User | Role | Expires | Note |",
    automation: (u: string) => `The automation user \`${u}\` is used only by converge (pulumi up).`,
    allowlist: (cidrs: string[]) => (cidrs.length ? `The shop admin (/admin) is reachable only from ${cidrs.join(", ")}.` : "The shop admin (/admin) has no IP allow-list."),
    backups: "## Backups: where they live and how to restore",
    backupWhere: (d: RunbookData) =>
      `Off-host backups go to a Hetzner Storage Box ${d.backups.storageBoxType} in ${d.backups.location}: one subaccount and one restic repository (SFTP, port 23) per host. ` +
      `DB dumps run on ${d.backups.dumpHost} (\`${d.backups.schedules.db}\`), files \`${d.backups.schedules.files}\`, media mirror ${d.backups.schedules.media ? `\`${d.backups.schedules.media}\`` : "off"}, repository check \`${d.backups.schedules.check}\`. ` +
      `Retention: ${d.backups.retention.hourly} hourly, ${d.backups.retention.daily} daily, ${d.backups.retention.weekly} weekly, ${d.backups.retention.monthly} monthly. ` +
      `Hetzner server backups (7 daily crash-consistent images): ${d.backups.serverBackups ? "on" : "off"}.`,
    backupNow:
      "Before a risky change (an update, a migration, a manual SQL fix), take a backup now: it starts each job's own unit (the database dump on the dump host, the files of every host), the same as the timer, and prints the snapshot ids to restore from. Without `--now` it only lists the jobs.",
    restoreSteps: "Restore, as root on the host whose restic repository holds the snapshot:",
    listSnapshots: "List the snapshots",
    scratch: "Test restore into a scratch database (touches nothing live)",
    liveDb: "Restore over the live database on the primary (the dump streams from the replica's repository). Maintenance on first (above), and stop Shopware's workers on every app node: the scheduler and the consumers write on their own, into a half-loaded database",
    liveDbSteps: { stop: "# stop the workers", load: "# load the snapshot", start: "# start them again, then maintenance off" },
    files: "Restore files of an app node into a directory, then copy back what is needed",
    lostHost: (stack: string) =>
      `A host is lost. Its private IP and bundle come back, but its public IPv4/IPv6 are new (no Primary IPs): read them with \`pulumi stack output hosts --stack ${stack}\`. The LB and the app use private IPs, so only SSH and your own allow-lists see the change. Deleted outside Pulumi: \`pulumi up --refresh --stack ${stack}\` notices that and creates it again. Broken but still there: delete protection is on in production, so first run \`hcloud server disable-protection NAME delete rebuild\`, then \`pulumi up --replace URN --stack ${stack}\` (the URN is in \`pulumi stack --show-urns\`); the new server gets protection back. A lost DB primary: fail over first (next section). Then restore the database and files as above. A host's Hetzner server backup can also be restored in the Hetzner console (crash-consistent only).`,
    emergency: "## Emergency access: no admin reachable, or you are outside the allow-list",
    emergencySteps: (d: RunbookData, admins: string[], owners: string) => [
      `SSH is open only from ${d.access.sshFrom.join(", ")}, in the Hetzner Cloud Firewall and in each host's nftables, and only for the declared users (admins: ${admins.join(", ") || "none"}). Whoever holds this stack's Pulumi state and its Hetzner and Cloudflare tokens may change that: ${owners}.`,
      `1. Find the servers: Hetzner Cloud Console → the project holding servers named \`${d.stack}-*\` (labels \`stack=${d.stack}\`, \`managed-by=shop-blueprint\`), or \`hcloud server list -l stack=${d.stack}\`. The host table above has their IPs.`,
      `2. Let yourself in by one stack change: in stacks/Pulumi.${d.stack}.yaml add your address to \`shop:adminCidrs\` (as /32 or /128) and yourself to \`shop:users\` with \`role: admin\`, your SSH key and \`expires:\` a few days out. Then run \`npm run plan -- --stack ${d.stack}\` and \`pulumi up --stack ${d.stack}\`. The firewall rules and users change in place (no server is replaced), and the account locks itself on its expiry date. Afterwards, remove both entries and run \`pulumi up\` again.`,
      `3. A host that SSH cannot reach (sshd or its firewall broken): in the Hetzner Console, open Servers → NAME → Rescue, enable the rescue system with one of the admins' project SSH keys (named \`${d.stack}-<user>-<key fingerprint>\`), and power-cycle the server. Then, from an allowed address (the Cloud Firewall still applies), log in with \`ssh -l root PUBLIC_IP\` (the rescue system has only root), run \`mount /dev/sda1 /mnt\`, and read \`/mnt/var/log/shop-apply.log\` and the journal under \`/mnt/var/log/journal\`. Reboot out of rescue when done.`,
    ],
    failover: "## Database: promote the replica to primary",
    failoverSteps: (d: RunbookData, primary: RunbookHost, replica: RunbookHost | undefined, ip: (h: RunbookHost) => string) =>
      replica
        ? [
            `Failover is run by a human on purpose (two nodes cannot vote; automatic failover risks split brain), with one command. Sessions, locks and the cache move with the database: the sessions Redis on ${replica.name} has replicated ${primary.name}'s all along.`,
            `1. Confirm the primary ${primary.name} (${primary.privateIp}) is really down or broken: \`ssh ${ADMIN}@${ip(primary)} 'systemctl status mariadb'\` (no answer at all counts).`,
            `2. Run \`npm run failover -- --stack ${d.stack}\` as an admin (\`--user NAME\` when the stack has several). If ${primary.name} answers, it is fenced first: read-only, its firewall closed to the app nodes, and ${replica.name} waits until it has every transaction ${primary.name} wrote. Then ${replica.name} applies everything it received and becomes writable, and every app node, its consumers and the scheduler are pointed at it. Each step prints its duration.`,
            `3. The command records \`shop:database.primary\` and \`shop:database.outOfService\` in stacks/Pulumi.${d.stack}.yaml: commit that change, so the next \`pulumi up\` keeps the new roles.`,
            `4. Check the shop: \`curl -fsS ${d.appUrl}${d.loadBalancer.healthCheck.path}\`.`,
            `5. When ${primary.name} is back (or rebuilt by Pulumi), re-seed it as the new replica: \`npm run failover -- --stack ${d.stack} --rebuild ${shortNodeName(d.stack, primary.name)}\`. Until then there is no replica: semi-sync is off and backups dump from the primary.`,
          ]
        : d.database.outOfService.length
          ? [`No replica is in service: ${d.database.outOfService.join(", ")} waits for its re-seed. Rebuild it first: \`npm run failover -- --stack ${d.stack} --rebuild ${shortNodeName(d.stack, d.database.outOfService[0])}\`. Until then a lost primary means restoring the database from the backup (see above).`]
          : [`This stack has no replica: restore the database from the backup (see above).`],
    reseed: "## Database: rebuild a replica",
    reseedIntro: (replica: string) =>
      `A replica that lost its data, or one built after the primary's binlogs expired, cannot replay from the first binlog: \`SHOW SLAVE STATUS\` shows error 1236. Re-seed ${replica} from a hot copy of the primary, at the copy's GTID position. The primary keeps serving. The stream passes through your two SSH sessions, so no port opens between the DB nodes. \`receive\` refuses to run on a node configured as the primary, and it keeps the old datadir beside the new one as \`/var/lib/mysql.before-reseed\`:`,
    cutover: "## Cutover and rollback",
    cutoverNow: (d: RunbookData) =>
      d.dns.target === "lb"
        ? `Traffic goes to the load balancer (cut over). DNS is ${d.dns.proxied ? "proxied by Cloudflare: changes take effect within seconds" : "NOT proxied: changes wait for the TTL"}.`
        : `Traffic still goes to the old host ${d.dns.target}. DNS is ${d.dns.proxied ? "proxied by Cloudflare: the flip takes effect within seconds" : "NOT proxied: the flip waits for the TTL"}.`,
    cutoverSteps:
      "Cut over with one command: it checks that the LB serves every hostname (nothing changes if not), sets `shop:dns.target: lb` in the stack file, runs `pulumi up`, then watches four public resolvers and HTTPS until every answer comes from an app node (the `X-Served-By` header), and prints the time to switch per resolver and the last old answer. Roll back the same way:",
    reviewComment: "# check, and print the one-line change when the stack file goes through review",
    rollback: "# rollback:",
    rollbackComment: "# back to the address the last cutover recorded in out/ came from; on another machine name it:",
    cutoverLast: (at: string, file: string, from: string, to: string, ok: boolean, seconds: string) =>
      ok ? `Last switch: ${from} → ${to} at ${at} (${file}), every answer from ${to} ${seconds} after the flip.` : `Last switch: ${from} → ${to} at ${at} (${file}) did NOT complete: cut over again or roll back.`,
    adoptComment: "# records and WAF rules the zones already have: import them first (README)",
    zoneSettingsComment: "# the zone settings stay (ssl strict): an old host without a strict-valid certificate needs SSL/TLS → Full in the dashboard",
    oldHostVar: "OLD_HOST_IP",
    deploy: "## Rolling deploy",
    deployIntro: (d: RunbookData, lbFailover: string) =>
      `One node at a time, in this order: ${d.deploy.order.join(" → ")}. \`npm run deploy\` runs as a deploy-role user. It drains each node: the health check answers 503 and the LB takes the node out within ${lbFailover}. It then switches the node to the new release, checks the node's health through the node itself and puts it back. The deployment helper (migrations, theme, assets) runs once, on ${d.deploy.schedulerHost}. A node that serves no release yet (a rebuilt server) goes first instead and runs it, so no serving node is drained while it has nothing to serve. The deploy stops at the first failure, and the other nodes stay on the previous release.`,
    deployComments: { hosts: "# the nodes' addresses, once per stack", undo: "# undo: every node back to the release before", downtime: "# planned downtime: the maintenance page on every node, the LB keeps them" },
    deployAfter:
      "On a node, `sudo shop-release status` shows the current and the previous release and whether the node is drained. A stopped deploy leaves its node drained: fix the node, then run `--rollback`, or run `sudo shop-release undrain` there.",
    updates: "## Update windows",
    updatesIntro: (d: RunbookData) =>
      `Security updates install unattended every day. Automatic reboots are ${d.updates.automaticReboot ? "on" : "off"}; each host has its own hour so mirrored nodes never reboot together:`,
    windowHead: "| Host | Reboot time |",
    upgrade: "## Upgrade path: debian-12 / Shopware 6.6 → debian-13 / Shopware 6.7",
    upgradeSteps: (d: RunbookData, u: UpgradeNames) => [
      "When SW-1 or SW-2 warns (components/config/lifecycle.ts has the dates), move one server at a time while the others serve the shop (README, Upgrade path). Each step edits the stack file, then `pulumi preview` must show exactly one server `replace`. In production lift that server's protection first: `hcloud server disable-protection NAME delete rebuild` (the provider cannot delete a protected server).",
      `0. \`npm run verify-hosts -- --stack ${d.stack}\` is green, a fresh backup exists (\`npm run backup -- --stack ${d.stack} --now\`), and the shop runs the newest 6.6.10 patch (deployed).`,
      `1. Replica: \`shop:database.outOfService: [${u.replica}]\` and \`pulumi up\` (no server changes), then \`shop:nodeImages: {${u.replica}: debian-13}\` and \`pulumi up\`, then \`npm run failover -- --stack ${d.stack} --rebuild ${u.replica}\` (a dump, since MariaDB 11.8 cannot prepare a 10.11 hot copy).`,
      `2. Fail over to it: \`npm run failover -- --stack ${d.stack} --to ${u.replica}\`.`,
      `3. Old primary: add \`${u.primary}: debian-13\` to shop:nodeImages, \`pulumi up\`, \`npm run failover -- --stack ${d.stack} --rebuild ${u.primary}\`.`,
      u.apps.length
        ? `4. App nodes ${u.apps.join(", ")}, one at a time: drain it (\`ssh $ADMIN@NODE sudo shop-release drain\`, then wait ${d.loadBalancer.healthCheck.failoverSeconds} s), add \`app-N: debian-13\`, \`pulumi up\`, \`npm run deploy -- --stack ${d.stack} --hosts hosts.${d.stack}.json --release ./shop-build.tar.gz\` (a new node has no release until a deploy), wait until the LB shows it healthy. For spare capacity add a surge node on debian-13 first (shop:appNodes one higher) and remove it at the end.`
        : "4. Both nodes carry the app role too: steps 1 and 3 rebuilt them; deploy after each (a new node has no release until a deploy).",
      "5. `shop:image: debian-13`, remove shop:nodeImages (nothing is replaced), then raise shop:shopwareVersion to 6.7, `pulumi up`, and deploy the 6.7 release.",
    ],
  },
  de: {
    title: (d: RunbookData) => `# Betriebshandbuch: ${d.customer} (Stack ${d.stack}, ${d.environment === "production" ? "Produktion" : "Staging"})`,
    provenance: "**Herkunft**",
    intro: "Erzeugt aus der Stack-Datei und dem Plan (offline oder von der echten Engine). Alles, was der Admin in Rufbereitschaft braucht, um Menschen und Server zu erreichen, und jedes Verfahren.",
    shop: (d: RunbookData) => `Shop: ${d.appUrl} (${d.hostnames.join(", ")}), Shopware ${d.shopware}`,
    offline:
      "**Offline-Plan:** die öffentlichen Adressen unten (203.0.113.x, 2001:db8:…) sind Platzhalter aus Dokumentationsbereichen und mit *(offline)* markiert. Nach `pulumi up` erzeugt `pulumi stack output runbook` dieses Handbuch mit den echten Adressen; `pulumi stack output hosts` listet sie.",
    offlineComment: "# Offline-Plan: 203.0.113.x / 2001:db8:… sind Platzhalter; die echten Adressen stehen in `pulumi stack output hosts`",
    offlineMark: " *(offline)*",
    oldHostMark: " *(Dokumentationsadresse: durch die echte IP des Altsystems ersetzen)*",
    triage: "## Shop ist down: Erste Hilfe",
    whoIsOnCall: (d: RunbookData) =>
      `Für den Admin in Rufbereitschaft geschrieben. Mit dem eigenen Konto anmelden: einmal \`export ADMIN=<eigener Login>\` setzen, jeder Befehl unten nutzt \`$ADMIN\`. Admins dieses Stacks: ${d.access.users.filter((u) => u.role === "admin").map((u) => `${markdown(u.name)}${u.comment ? ` (${markdown(u.comment)})` : ""}${u.expires ? `, bis ${u.expires}` : ""}`).join(", ") || "keine eingetragen: nur der Automatisierungsbenutzer kann die Hosts verwalten"}.`,
    escalate: (d: RunbookData) => {
      const c = d.contacts.find((x) => x.role === "onCall");
      const h = d.contacts.find((x) => x.role === "hoster");
      return `Eskalation an die Rufbereitschaft${c ? ` ${markdown(c.name)}, ${markdown(c.phone)}, ${markdown(c.email)}` : ""}${h ? `; Hoster ${markdown(h.name)}, ${markdown(h.phone)}` : ""}. Die Schritte der Reihe nach abarbeiten und beim ersten fehlgeschlagenen anhalten.`;
    },
    step0:
      "0. Zuerst ein Überblick, von einem Rechner mit den Stack-Ausgaben und einem Login der readonly-Rolle: Erreichbarkeit jedes Hosts, Last pro Kern, Platte, Arbeitsspeicher, fehlgeschlagene Units, Rolle und Replikation der Datenbank, Alter der Sicherungen, der letzte Alarm und der Health-Check des Shops samt Zertifikat. Exit-Status 1, sobald etwas rot ist; die Befunde unten nennen, was zu beheben ist, die Schritte danach, wie.",
    verify: "## Hostprüfung (OPS-3)",
    verifyIntro:
      "Nach jedem Deployment, Neuaufbau oder Failover prüfen, dass jeder Host ein echter Server mit der erwarteten Software ist: mit einem Login der readonly-Rolle `uname -a`, `php -v`, `top`, `df -h`, fehlgeschlagene Units sowie Rolle und Replikation der Datenbank, mit Zeitstempel abgelegt in out/<stack>/verify/ (JSON und Markdown). Das Audit zitiert den neuesten Eintrag unter OPS-3.",
    verifyNone: "Noch keine Prüfung aufgezeichnet.",
    verifyAt: (at: string, file: string, ok: boolean) => `Letzte Prüfung: ${at} (${file}): ${ok ? "alle Hosts bestanden" : "Probleme gefunden"}.`,
    verifyHost: (host: string, ok: boolean, seen: string, problems: string[]) => `- ${host}: ${ok ? "in Ordnung" : `Probleme: ${problems.map(markdown).join("; ")}`}${seen ? ` (${markdown(seen)})` : ""}`,
    step1: "1. Von außen: antwortet der Shop? 200 heißt ja; Cloudflares 52x-Seiten heißen, dass Cloudflare den Loadbalancer nicht erreicht.",
    step2: (lb: string) => `2. Der Loadbalancer: welche Ziele sind gesund (braucht \`HCLOUD_TOKEN\`; die Hetzner-Konsole zeigt dasselbe unter Load Balancers → ${lb}).`,
    step3: "3. Jeder App-Knoten: der Health-Check so, wie ihn der Loadbalancer schickt, fehlgeschlagene Units und die Dienstprüfung.",
    step4: (p: string) => `4. Der Datenbank-Primary ${p}: läuft MariaDB und nimmt Schreibzugriffe an, laufen Redis (Sessions, Cache)?`,
    step5: "5. Platte, Arbeitsspeicher und Last auf jedem Host, der langsam wirkt:",
    step6:
      "6. Ein einzelner kaputter Knoten ist schon aus der Rotation: die fehlgeschlagene Unit neu starten und ihr Protokoll lesen (nächster Abschnitt). Ist der Primary ausgefallen, \"Datenbank: Replica zum Primary hochstufen\" folgen. Während der Reparatur den Shop in den Wartungsmodus schalten, damit Kunden eine Wartungsseite statt Fehlern sehen.",
    logs: "## Protokolle pro Host und Unit",
    logsIntro: "Jeder Dienst schreibt ins Journal: `sudo journalctl -u UNIT -n 200 --no-pager` (mit `-f` mitlesen, mit `--since '-1h'` eingrenzen). nginx schreibt zusätzlich /var/log/nginx/error.log und access.log.",
    logHead: "| Host | Units |",
    alerts: "## Wohin Alarme gehen",
    alertsIntro: (d: RunbookData) =>
      `shop-health läuft jede Minute auf jedem Host und alarmiert nur bei Änderungen (ausgelöst, dann behoben); ein anhaltender Alarm wiederholt sich alle ${d.alerts.repeatMinutes} min, an:`,
    noHooks: "keinen Webhook: Alarme erreichen niemanden (shop:monitoring.webhooks ist leer).",
    appAlerts: (primary: string, scheduler: string) =>
      `Alarme zu Shopwares Warteschlange oder geplanten Aufgaben kommen vom Datenbank-Primary ${primary} (er liest messenger_messages und scheduled_task). Ein Rückstau heißt, dass die Consumer nicht arbeiten: \`sudo systemctl status 'shop-consumer@*'\` auf jedem App-Knoten; eine überfällige Aufgabe heißt, dass der Scheduler nicht arbeitet: \`sudo systemctl status shop-scheduler\` auf ${scheduler}. \`sudo shop-health --only shopware\` auf ${primary} zeigt beides sofort; der Alarm endet, sobald die Warteschlange leer ist und die Aufgabe gelaufen ist.`,
    hook: (name: string, type: string) => `Webhook ${name} (${type}); die URL ist ein Geheimnis in der Stack-Konfiguration`,
    heartbeat: (backup: boolean, monitoring: boolean) =>
      `Backup-Heartbeat: ${backup ? "gesetzt (jede Sicherung meldet sich dort; bleibt die Meldung aus, alarmiert er)" : "nicht gesetzt"}. Monitoring-Heartbeat (Totmannschalter): ${monitoring ? "gesetzt. Jeder Host meldet sich dort jede Minute; ein Alarm des Heartbeat-Dienstes heißt, dass sich kein Host innerhalb der Karenzzeit gemeldet hat: alle Hosts sind aus oder von außen unerreichbar, oder shop-health läuft nirgends mehr (zuerst die Hetzner-Konsole prüfen, dann \`systemctl status shop-health.timer\`); ein /fail-Ping heißt, dass ein Alarm keinen Webhook erreicht hat: die Webhooks prüfen" : "nicht gesetzt: niemand bemerkt, wenn alle Hosts weg sind (HW-3 scheitert)"}.`,
    cloudflare: (on: boolean) =>
      on
        ? "Cloudflare Health Checks prüfen den Shop aus mehreren Regionen und alarmieren über Cloudflare Notifications."
        : "Externe Prüfungen aus mehreren Regionen: aus (shop:monitoring.cloudflareHealthchecks; braucht einen kostenpflichtigen Cloudflare-Tarif).",
    checkly: (c: { locations: string[]; frequencyMinutes: number } | null) =>
      c
        ? `Checkly prüft den Health-Endpunkt alle ${c.frequencyMinutes} min aus ${c.locations.join(", ")} und alarmiert dieselben Webhooks nach zwei fehlgeschlagenen Läufen (der Ergebnis-Link steht im Alarm). Ein Checkly-Alarm ohne shop-health-Alarm heißt: der Weg von außen ist gestört (DNS, Cloudflare, Zertifikat), nicht die Hosts.`
        : "Checkly-Prüfungen: aus (shop:monitoring.checkly).",
    maintenance: "## Wartungsmodus",
    maintenanceIntro: (app: string) => `Der Wartungsmodus von Shopware gilt für alle Verkaufskanäle; auf einem App-Knoten (${app}) ausführen, die Einstellung liegt in der gemeinsamen Datenbank:`,
    maintenanceOn: "# einschalten",
    maintenanceOff: "# wieder ausschalten, sobald der Shop gesund ist",
    contacts: "## Kontakte",
    roles: { owner: "Inhaber", onCall: "Rufbereitschaft", agency: "Agentur", hoster: "Hoster" },
    contactHead: "| Rolle | Name | Telefon | E-Mail |",
    hosts: "## Server",
    hostHead: "| Host | Rollen | Öffentliche IPv4 | Öffentliche IPv6 | Private IP | Typ | Image | Standort |",
    scheduler: " (Scheduler)",
    lb: "## Loadbalancer und Domains",
    lbLine: (d: RunbookData, mark: (a: string) => string) =>
      `- ${d.loadBalancer.name} (${d.loadBalancer.type}): ${mark(d.loadBalancer.ipv4)}, ${mark(d.loadBalancer.ipv6)}, privat ${d.loadBalancer.privateIp}`,
    healthCheckLine: "Health-Check",
    healthCheck: (h: HealthCheckFacts) => `GET ${h.path} alle ${h.interval} s, ${h.retries} Versuche (Umschalten nach ≈${h.failoverSeconds} s)`,
    dnsLine: (d: RunbookData, target: string) => `- DNS: ${d.hostnames.join(", ")} → ${target}${d.dns.proxied ? " (über den Cloudflare-Proxy)" : ""}`,
    access: "## Wer sich anmelden darf",
    accessIntro: (from: string) => `SSH ist nur aus ${from} erreichbar. Jeder meldet sich mit dem eigenen Schlüssel an; es gibt keine geteilten Konten.`,
    userHead: "| Benutzer | Rolle | Gültig bis | Notiz |",
    automation: (u: string) => `Der Automatisierungsbenutzer \`${u}\` wird nur vom Converge (pulumi up) verwendet.`,
    allowlist: (cidrs: string[]) => (cidrs.length ? `Die Shop-Administration (/admin) ist nur aus ${cidrs.join(", ")} erreichbar.` : "Die Shop-Administration (/admin) hat keine IP-Freigabeliste."),
    backups: "## Datensicherung: Ablageort und Wiederherstellung",
    backupWhere: (d: RunbookData) =>
      `Die Datensicherung liegt außerhalb der Server in einer Hetzner Storage Box ${d.backups.storageBoxType} in ${d.backups.location}: ein Subaccount und ein restic-Repository (SFTP, Port 23) pro Host. ` +
      `DB-Dumps laufen auf ${d.backups.dumpHost} (\`${d.backups.schedules.db}\`), Dateien \`${d.backups.schedules.files}\`, Medien-Spiegel ${d.backups.schedules.media ? `\`${d.backups.schedules.media}\`` : "aus"}, Repository-Prüfung \`${d.backups.schedules.check}\`. ` +
      `Aufbewahrung: ${d.backups.retention.hourly} stündlich, ${d.backups.retention.daily} täglich, ${d.backups.retention.weekly} wöchentlich, ${d.backups.retention.monthly} monatlich. ` +
      `Hetzner-Serverbackups (7 tägliche, absturzkonsistente Abbilder): ${d.backups.serverBackups ? "an" : "aus"}.`,
    backupNow:
      "Vor einer riskanten Änderung (Update, Migration, manuelle SQL-Korrektur) sofort sichern: das startet die Unit jedes Sicherungsauftrags (Datenbank-Dump auf dem Dump-Host, Dateien jedes Hosts) wie der Timer und gibt die Snapshot-IDs für die Wiederherstellung aus. Ohne `--now` listet es nur die Aufträge.",
    restoreSteps: "Wiederherstellen, als root auf dem Host, dessen restic-Repository den Snapshot enthält:",
    listSnapshots: "Snapshots auflisten",
    scratch: "Probe-Wiederherstellung in eine Test-Datenbank (berührt nichts Produktives)",
    liveDb: "Über die produktive Datenbank auf dem Primary wiederherstellen (der Dump kommt aus dem Repository der Replica). Zuerst den Wartungsmodus ein (oben) und Shopwares Worker auf jedem App-Knoten anhalten: Scheduler und Consumer schreiben von selbst, in eine halb geladene Datenbank",
    liveDbSteps: { stop: "# die Worker anhalten", load: "# den Snapshot laden", start: "# wieder starten, dann den Wartungsmodus aus" },
    files: "Dateien eines App-Knotens in ein Verzeichnis wiederherstellen und das Benötigte zurückkopieren",
    lostHost: (stack: string) =>
      `Ein Host ist verloren. Private IP und Bundle kommen wieder, aber die öffentlichen IPv4/IPv6 sind neu (keine Primary IPs): mit \`pulumi stack output hosts --stack ${stack}\` nachlesen. LB und App nutzen private IPs, die Änderung betrifft also nur SSH und eigene Freigabelisten. Außerhalb von Pulumi gelöscht: \`pulumi up --refresh --stack ${stack}\` bemerkt das und legt ihn neu an. Defekt, aber noch vorhanden: In Produktion ist der Löschschutz an, also zuerst \`hcloud server disable-protection NAME delete rebuild\` ausführen, dann \`pulumi up --replace URN --stack ${stack}\` (die URN steht in \`pulumi stack --show-urns\`); der neue Server bekommt den Schutz wieder. Ein verlorener DB-Primary: zuerst umschalten (nächster Abschnitt). Danach Datenbank und Dateien wie oben wiederherstellen. Das Hetzner-Serverbackup eines Hosts lässt sich auch in der Hetzner-Konsole zurückspielen (nur absturzkonsistent).`,
    emergency: "## Notfallzugang: kein Admin erreichbar oder außerhalb der Freigabeliste",
    emergencySteps: (d: RunbookData, admins: string[], owners: string) => [
      `SSH ist nur von ${d.access.sshFrom.join(", ")} aus offen, in der Hetzner Cloud Firewall und in der nftables-Firewall jedes Hosts, und nur für die deklarierten Benutzer (Admins: ${admins.join(", ") || "keine"}). Das ändern darf, wer den Pulumi-State dieses Stacks und seine Hetzner- und Cloudflare-Tokens hat: ${owners}.`,
      `1. Die Server finden: Hetzner Cloud Console → das Projekt mit den Servern \`${d.stack}-*\` (Labels \`stack=${d.stack}\`, \`managed-by=shop-blueprint\`), oder \`hcloud server list -l stack=${d.stack}\`. Die IPs stehen in der Host-Tabelle oben.`,
      `2. Sich mit einer Stack-Änderung Zugang geben: in stacks/Pulumi.${d.stack}.yaml die eigene Adresse zu \`shop:adminCidrs\` hinzufügen (als /32 oder /128) und sich selbst zu \`shop:users\` mit \`role: admin\`, dem eigenen SSH-Schlüssel und \`expires:\` in wenigen Tagen. Dann \`npm run plan -- --stack ${d.stack}\` und \`pulumi up --stack ${d.stack}\` ausführen. Firewallregeln und Benutzer ändern sich im laufenden Betrieb (kein Server wird ersetzt), und das Konto sperrt sich am Ablaufdatum selbst. Danach beide Einträge entfernen und erneut \`pulumi up\` ausführen.`,
      `3. Ein Host, den SSH nicht erreicht (sshd oder seine Firewall defekt): in der Hetzner Console Server → NAME → Rescue öffnen, das Rettungssystem mit einem der Projekt-SSH-Schlüssel der Admins aktivieren (benannt \`${d.stack}-<Benutzer>-<Schlüssel-Fingerprint>\`) und den Server aus- und wieder einschalten. Dann von einer freigegebenen Adresse (die Cloud Firewall gilt weiter) mit \`ssh -l root PUBLIC_IP\` anmelden (das Rettungssystem kennt nur root), \`mount /dev/sda1 /mnt\` ausführen und \`/mnt/var/log/shop-apply.log\` sowie das Journal unter \`/mnt/var/log/journal\` lesen. Danach aus dem Rettungssystem neu starten.`,
    ],
    failover: "## Datenbank: Replica zum Primary hochstufen",
    failoverSteps: (d: RunbookData, primary: RunbookHost, replica: RunbookHost | undefined, ip: (h: RunbookHost) => string) =>
      replica
        ? [
            `Das Failover startet bewusst ein Mensch (zwei Knoten können nicht abstimmen; automatisches Failover riskiert Split Brain), mit einem Befehl. Sessions, Locks und Cache ziehen mit der Datenbank um: der Session-Redis auf ${replica.name} repliziert den von ${primary.name} die ganze Zeit.`,
            `1. Prüfen, dass der Primary ${primary.name} (${primary.privateIp}) wirklich ausgefallen oder defekt ist: \`ssh ${ADMIN}@${ip(primary)} 'systemctl status mariadb'\` (gar keine Antwort zählt auch).`,
            `2. \`npm run failover -- --stack ${d.stack}\` als Admin ausführen (\`--user NAME\`, wenn der Stack mehrere hat). Antwortet ${primary.name}, wird er zuerst abgeschottet: schreibgeschützt, seine Firewall für die App-Knoten zu, und ${replica.name} wartet, bis sie jede Transaktion von ${primary.name} hat. Dann wendet ${replica.name} alles Empfangene an und wird beschreibbar; jeder App-Knoten, seine Consumer und der Scheduler zeigen danach auf sie. Jeder Schritt nennt seine Dauer.`,
            `3. Der Befehl schreibt \`shop:database.primary\` und \`shop:database.outOfService\` in stacks/Pulumi.${d.stack}.yaml: diese Änderung committen, damit das nächste \`pulumi up\` die neuen Rollen behält.`,
            `4. Shop prüfen: \`curl -fsS ${d.appUrl}${d.loadBalancer.healthCheck.path}\`.`,
            `5. Ist ${primary.name} wieder da (oder von Pulumi neu gebaut), als neue Replica neu befüllen: \`npm run failover -- --stack ${d.stack} --rebuild ${shortNodeName(d.stack, primary.name)}\`. Bis dahin gibt es keine Replica: Semi-Sync ist aus, und die Sicherung dumpt vom Primary.`,
          ]
        : d.database.outOfService.length
          ? [`Keine Replica ist in Betrieb: ${d.database.outOfService.join(", ")} wartet auf das Neubefüllen. Zuerst neu aufbauen: \`npm run failover -- --stack ${d.stack} --rebuild ${shortNodeName(d.stack, d.database.outOfService[0])}\`. Bis dahin heißt ein verlorener Primary: die Datenbank aus der Datensicherung wiederherstellen (siehe oben).`]
          : [`Dieser Stack hat keine Replica: die Datenbank aus der Datensicherung wiederherstellen (siehe oben).`],
    reseed: "## Datenbank: Replica neu aufbauen",
    reseedIntro: (replica: string) =>
      `Eine Replica, die ihre Daten verloren hat oder nach dem Ablauf der Binlogs des Primary aufgebaut wird, kann nicht ab dem ersten Binlog nachspielen: \`SHOW SLAVE STATUS\` zeigt Fehler 1236. ${replica} aus einer laufenden Kopie des Primary an deren GTID-Position neu befüllen. Der Primary bedient weiter. Der Datenstrom läuft durch deine zwei SSH-Sitzungen, zwischen den DB-Knoten öffnet sich also kein Port. \`receive\` verweigert sich auf einem Knoten, der als Primary konfiguriert ist, und behält das alte Datenverzeichnis daneben als \`/var/lib/mysql.before-reseed\`:`,
    cutover: "## Umschaltung (Cutover) und Rückfallweg",
    cutoverNow: (d: RunbookData) =>
      d.dns.target === "lb"
        ? `Der Verkehr geht an den Loadbalancer (umgeschaltet). DNS ist ${d.dns.proxied ? "über Cloudflare geproxied: Änderungen wirken binnen Sekunden" : "NICHT geproxied: Änderungen warten auf die TTL"}.`
        : `Der Verkehr geht noch an das Altsystem ${d.dns.target}. DNS ist ${d.dns.proxied ? "über Cloudflare geproxied: das Umschalten wirkt binnen Sekunden" : "NICHT geproxied: das Umschalten wartet auf die TTL"}.`,
    cutoverSteps:
      "Mit einem Befehl umschalten: er prüft, dass der LB jeden Hostnamen bedient (sonst ändert sich nichts), setzt `shop:dns.target: lb` in der Stack-Datei, führt `pulumi up` aus und beobachtet dann vier öffentliche Resolver und HTTPS, bis jede Antwort von einem App-Knoten kommt (Header `X-Served-By`); er zeigt die Umschaltzeit je Resolver und die letzte alte Antwort. Der Rückfallweg geht genauso:",
    reviewComment: "# prüfen und die einzeilige Änderung ausgeben, wenn die Stack-Datei durch ein Review geht",
    rollback: "# Rückfallweg:",
    rollbackComment: "# zurück auf die Adresse, von der die in out/ aufgezeichnete letzte Umschaltung kam; auf einem anderen Rechner sie nennen:",
    cutoverLast: (at: string, file: string, from: string, to: string, ok: boolean, seconds: string) =>
      ok ? `Letzte Umschaltung: ${from} → ${to} am ${at} (${file}), jede Antwort von ${to} ${seconds} nach dem Umstellen.` : `Letzte Umschaltung: ${from} → ${to} am ${at} (${file}) wurde NICHT fertig: erneut umschalten oder zurückschalten.`,
    adoptComment: "# Einträge und WAF-Regeln, die die Zonen schon haben: zuerst importieren (README)",
    zoneSettingsComment: "# die Zoneneinstellungen bleiben (ssl strict): ein Altsystem ohne streng gültiges Zertifikat braucht im Dashboard SSL/TLS → Full",
    oldHostVar: "IP_ALTSYSTEM",
    deploy: "## Rollierendes Deployment",
    deployIntro: (d: RunbookData, lbFailover: string) =>
      `Ein Knoten nach dem anderen, in dieser Reihenfolge: ${d.deploy.order.join(" → ")}. \`npm run deploy\` läuft als Benutzer mit der Rolle deploy. Er nimmt jeden Knoten aus dem Verkehr: Der Health-Check antwortet 503, und der LB nimmt den Knoten innerhalb von ${lbFailover} heraus. Dann schaltet er den Knoten auf das neue Release um, prüft den Health-Check über den Knoten selbst und nimmt ihn wieder auf. Der Deployment-Helper (Migrationen, Theme, Assets) läuft einmal, auf ${d.deploy.schedulerHost}. Ein Knoten, der noch kein Release bedient (ein neu aufgebauter Server), kommt stattdessen zuerst und führt ihn aus, damit kein bedienender Knoten aus dem Verkehr geht, solange er nichts zu bedienen hat. Beim ersten Fehler hält das Deployment an, und die übrigen Knoten bleiben auf dem vorigen Release.`,
    deployComments: { hosts: "# die Adressen der Knoten, einmal je Stack", undo: "# rückgängig: alle Knoten zurück auf das vorige Release", downtime: "# geplante Auszeit: Wartungsseite auf allen Knoten, der LB behält sie" },
    deployAfter:
      "Auf einem Knoten zeigt `sudo shop-release status` das aktuelle und das vorige Release und ob der Knoten aus dem Verkehr ist. Ein angehaltenes Deployment lässt seinen Knoten draußen: den Knoten reparieren, dann `--rollback` ausführen oder dort `sudo shop-release undrain`.",
    updates: "## Update-Fenster (Software-Updates)",
    updatesIntro: (d: RunbookData) =>
      `Sicherheitsupdates installieren sich täglich unbeaufsichtigt. Automatische Neustarts sind ${d.updates.automaticReboot ? "an" : "aus"}; jeder Host hat seine eigene Stunde, damit gespiegelte Knoten nie gleichzeitig neu starten:`,
    windowHead: "| Host | Neustartzeit |",
    upgrade: "## Upgrade-Pfad: debian-12 / Shopware 6.6 → debian-13 / Shopware 6.7",
    upgradeSteps: (d: RunbookData, u: UpgradeNames) => [
      "Sobald SW-1 oder SW-2 warnt (Daten in components/config/lifecycle.ts), einen Server nach dem anderen umstellen, während die übrigen den Shop bedienen (README, Upgrade path). Jeder Schritt ändert die Stack-Datei; danach muss `pulumi preview` genau ein Server-`replace` zeigen. In Produktion vorher den Lösch- und Rebuild-Schutz aufheben: `hcloud server disable-protection NAME delete rebuild` (der Provider kann nichts Geschütztes löschen).",
      `0. \`npm run verify-hosts -- --stack ${d.stack}\` ist grün, eine frische Sicherung liegt vor (\`npm run backup -- --stack ${d.stack} --now\`), und der Shop läuft mit dem neuesten 6.6.10-Patch (ausgerollt).`,
      `1. Replikat: \`shop:database.outOfService: [${u.replica}]\` und \`pulumi up\` (kein Server ändert sich), dann \`shop:nodeImages: {${u.replica}: debian-13}\` und \`pulumi up\`, dann \`npm run failover -- --stack ${d.stack} --rebuild ${u.replica}\` (als Dump, da MariaDB 11.8 keine heiße Kopie von 10.11 vorbereiten kann).`,
      `2. Darauf umschalten: \`npm run failover -- --stack ${d.stack} --to ${u.replica}\`.`,
      `3. Alter Primary: \`${u.primary}: debian-13\` in shop:nodeImages ergänzen, \`pulumi up\`, \`npm run failover -- --stack ${d.stack} --rebuild ${u.primary}\`.`,
      u.apps.length
        ? `4. App-Knoten ${u.apps.join(", ")}, einzeln: aus dem Verkehr nehmen (\`ssh $ADMIN@NODE sudo shop-release drain\`, dann ${d.loadBalancer.healthCheck.failoverSeconds} s warten), \`app-N: debian-13\` ergänzen, \`pulumi up\`, \`npm run deploy -- --stack ${d.stack} --hosts hosts.${d.stack}.json --release ./shop-build.tar.gz\` (ein neuer Knoten hat bis zum Deployment kein Release), warten, bis der LB ihn als gesund zeigt. Für Reservekapazität zuerst einen zusätzlichen Knoten auf debian-13 anlegen (shop:appNodes um eins höher) und am Ende wieder entfernen.`
        : "4. Beide Knoten tragen auch die App-Rolle: Schritte 1 und 3 haben sie neu aufgebaut; nach jedem ausrollen (ein neuer Knoten hat bis zum Deployment kein Release).",
      "5. `shop:image: debian-13`, shop:nodeImages entfernen (nichts wird ersetzt), dann shop:shopwareVersion auf 6.7 anheben, `pulumi up` und das 6.7-Release ausrollen.",
    ],
  },
} as const;

/** runbook.md in one language, from the runbook data and the run's provenance alone. */
export function renderRunbook(d: RunbookData, lang: Lang, provenance: Provenance, records: StackRecords = {}): string {
  const { verification, cutover } = records;
  const t = text[lang];
  const host = (name: string) => d.hosts.find((h) => h.name === name)!;
  const primary = host(d.database.primary);
  const replica = d.database.replicas.length ? host(d.database.replicas[0]) : undefined;
  const dump = host(d.backups.dumpHost);
  const apps = d.deploy.order.map(host);
  const app = apps[0];
  const offline = [...d.hosts.flatMap((h) => [h.publicIpv4, h.publicIpv6]), d.loadBalancer.ipv4].some(isDocumentationAddress);
  const mark = (address: string) => (isDocumentationAddress(address) ? `${address}${t.offlineMark}` : address);
  const ip = (h: RunbookHost) => h.publicIpv4;
  const ssh = (h: RunbookHost, cmd: string) => `ssh ${ADMIN}@${ip(h)} '${cmd}'`;
  const code = (lines: string[]) => ["```sh", ...(offline && lines.some((x) => /203\.0\.113\.|2001:db8:/.test(x)) ? [t.offlineComment] : []), ...lines, "```"];
  const oldHost = d.dns.target === "lb" ? t.oldHostVar : d.dns.target;
  const dnsTarget = d.dns.target !== "lb" && isDocumentationAddress(d.dns.target) ? `${d.dns.target}${t.oldHostMark}` : d.dns.target;
  const health = `${d.appUrl}${d.loadBalancer.healthCheck.path}`;
  const shopConsole = `sudo -u ${d.shop.user} php ${d.shop.current}/bin/console`;
  const lines: string[] = [
    t.title(d),
    "",
    t.provenance,
    "",
    ...provenanceLines(provenance, lang),
    "",
    t.intro,
    "",
    t.shop(d),
    ...(offline ? ["", t.offline] : []),
    "",
    t.triage,
    "",
    t.whoIsOnCall(d),
    "",
    t.escalate(d),
    "",
    t.step0,
    "",
    ...code([`pulumi stack output --json --stack ${d.stack} > hosts.${d.stack}.json`, `npm run status -- --stack ${d.stack} --hosts hosts.${d.stack}.json --user <readonly login>`]),
    "",
    t.step1,
    "",
    ...code([`curl -sS -o /dev/null -w '%{http_code} %{time_total}\\n' ${health}`]),
    "",
    t.step2(d.loadBalancer.name),
    "",
    ...code([`hcloud load-balancer describe ${d.loadBalancer.name}`]),
    "",
    t.step3,
    "",
    ...code(
      apps.map((a) =>
        ssh(a, `curl -sS -o /dev/null -w "%{http_code}\\n" -H "Host: ${d.hostnames[0]}" http://${a.privateIp}${d.loadBalancer.healthCheck.path}; systemctl --failed --no-legend; sudo shop-health --only services`),
      ),
    ),
    "",
    t.step4(primary.name),
    "",
    ...code([
      ssh(primary, `sudo mariadb -e "SELECT @@hostname, @@read_only"; systemctl is-active mariadb redis-server redis-server@cache`),
      ...(replica ? [ssh(replica, `sudo mariadb -e "SHOW SLAVE STATUS\\G" | grep -E "Running|Behind|Error"`)] : []),
    ]),
    "",
    t.step5,
    "",
    ...code(d.hosts.map((h) => ssh(h, "uptime; free -m; df -h /"))),
    "",
    t.step6,
    "",
    t.logs,
    "",
    t.logsIntro,
    "",
    t.logHead,
    "|---|---|",
    ...d.hosts.map((h) => `| ${h.name} | ${h.logUnits.map((u) => `\`${u}\``).join(", ")} |`),
    "",
    ...code([ssh(app, `sudo journalctl -u nginx -u ${app.phpFpmUnit} -n 200 --no-pager`), ssh(primary, "sudo journalctl -u mariadb -n 200 --no-pager")]),
    "",
    t.alerts,
    "",
    t.alertsIntro(d),
    "",
    ...(d.alerts.webhooks.length ? d.alerts.webhooks.map((h) => `- ${t.hook(h.name, h.type)}`) : [`- ${t.noHooks}`]),
    "",
    t.heartbeat(d.alerts.backupHeartbeat, d.alerts.monitoringHeartbeat),
    t.cloudflare(d.alerts.cloudflareHealthchecks),
    t.checkly(d.alerts.checkly),
    "",
    t.appAlerts(primary.name, d.deploy.schedulerHost),
    "",
    t.maintenance,
    "",
    t.maintenanceIntro(app.name),
    "",
    ...code([t.maintenanceOn, ssh(app, `${shopConsole} sales-channel:maintenance:enable --all`), t.maintenanceOff, ssh(app, `${shopConsole} sales-channel:maintenance:disable --all`)]),
    "",
    t.contacts,
    "",
    t.contactHead,
    "|---|---|---|---|",
    ...d.contacts.map((c) => `| ${t.roles[c.role]} | ${markdown(c.name)} | ${markdown(c.phone)} | ${markdown(c.email)} |`),
    "",
    t.hosts,
    "",
    t.hostHead,
    "|---|---|---|---|---|---|---|---|",
    ...d.hosts.map((h) => `| ${h.name} | ${h.roles.join(", ")}${h.scheduler ? t.scheduler : ""} | ${mark(h.publicIpv4)} | ${mark(h.publicIpv6)} | ${h.privateIp} | ${h.serverType} | ${h.image} | ${h.location} |`),
    "",
    t.verify,
    "",
    t.verifyIntro,
    "",
    ...code([`npm run verify-hosts -- --stack ${d.stack} --hosts hosts.${d.stack}.json --user <readonly login>`]),
    "",
    ...(verification
      ? [
          t.verifyAt(verification.at, verification.file, verification.hosts.every((h) => h.ok)),
          "",
          ...verification.hosts.map((h) => t.verifyHost(h.host, h.ok, [h.kernel, h.php].filter(Boolean).join(", "), h.problems)),
        ]
      : [t.verifyNone]),
    "",
    t.lb,
    "",
    t.lbLine(d, mark),
    `- ${t.healthCheckLine}: ${t.healthCheck(d.loadBalancer.healthCheck)}`,
    t.dnsLine(d, dnsTarget),
    "",
    t.access,
    "",
    t.accessIntro(d.access.sshFrom.join(", ")),
    "",
    t.userHead,
    "|---|---|---|---|",
    ...d.access.users.map((u) => `| ${markdown(u.name)} | ${u.role} | ${u.expires ?? "—"} | ${u.comment ? markdown(u.comment) : ""} |`),
    "",
    t.automation(d.access.automationUser),
    t.allowlist(d.access.adminAllowlist),
    "",
    t.backups,
    "",
    t.backupWhere(d),
    "",
    t.backupNow,
    "",
    ...code([`npm run backup -- --stack ${d.stack} --hosts hosts.${d.stack}.json --now`]),
    "",
    t.restoreSteps,
    "",
    `- ${t.listSnapshots}:`,
    ...code([ssh(dump, "sudo shop-restore list db")]),
    `- ${t.scratch}:`,
    ...code([ssh(dump, "sudo shop-restore db --into shop_restore_check")]),
    `- ${t.liveDb}:`,
    ...code([
      t.liveDbSteps.stop,
      ...apps.map((a) => ssh(a, `sudo systemctl stop ${a.workers.join(" ")}`)),
      t.liveDbSteps.load,
      `${ssh(dump, "sudo shop-restore db --snapshot SNAPSHOT_ID --stdout")} | ${ssh(primary, `sudo mariadb ${d.database.name}`)}`,
      t.liveDbSteps.start,
      ...apps.map((a) => ssh(a, `sudo systemctl start ${a.workers.join(" ")}`)),
    ]),
    `- ${t.files}:`,
    ...code([ssh(app, "sudo shop-restore list files"), ssh(app, "sudo shop-restore files --snapshot SNAPSHOT_ID --target /var/tmp/shop-restore")]),
    "",
    t.lostHost(d.stack),
    "",
    t.emergency,
    "",
    ...t.emergencySteps(
      d,
      d.access.users.filter((u) => u.role === "admin").map((u) => markdown(u.name)),
      d.contacts.filter((c) => c.role === "owner" || c.role === "agency").map((c) => `${markdown(c.name)} (${t.roles[c.role]})`).join(", "),
    ),
    "",
    t.failover,
    "",
    ...t.failoverSteps(d, primary, replica, ip),
    "",
    ...(replica
      ? [t.reseed, "", t.reseedIntro(replica.name), "", ...code([`ssh ${ADMIN}@${ip(primary)} sudo ${RESEED_TOOL} send | ssh ${ADMIN}@${ip(replica)} sudo ${RESEED_TOOL} receive`]), ""]
      : []),
    t.cutover,
    "",
    t.cutoverNow(d),
    "",
    ...(cutover ? [t.cutoverLast(cutover.at, `out/${d.stack}/cutover/${cutover.file}`, cutover.from, cutover.to, cutover.ok, cutover.switchedAfter === null ? "–" : `${cutover.switchedAfter.toFixed(1)} s`), ""] : []),
    t.cutoverSteps,
    "",
    ...code([
      `npm run adopt -- --stack ${d.stack} --online   ${t.adoptComment}`,
      `npm run cutover -- --stack ${d.stack} --review   ${t.reviewComment}`,
      `npm run cutover -- --stack ${d.stack}`,
      `for i in $(seq 90); do curl -s -o /dev/null -w '%{http_code} %{time_total}\\n' ${health}; sleep 1; done`,
      t.rollback,
      `npm run cutover -- --stack ${d.stack} --rollback   ${t.rollbackComment}`,
      `npm run cutover -- --stack ${d.stack} --rollback --to ${oldHost}`,
      t.zoneSettingsComment,
    ]),
    "",
    t.deploy,
    "",
    t.deployIntro(d, t.healthCheck(d.loadBalancer.healthCheck)),
    "",
    ...code([
      t.deployComments.hosts,
      `pulumi stack output --json --stack ${d.stack} > hosts.${d.stack}.json`,
      `npm run deploy -- --stack ${d.stack} --hosts hosts.${d.stack}.json --release ./shop-build.tar.gz`,
      t.deployComments.undo,
      `npm run deploy -- --stack ${d.stack} --hosts hosts.${d.stack}.json --rollback`,
      t.deployComments.downtime,
      `npm run deploy -- --stack ${d.stack} --hosts hosts.${d.stack}.json --maintenance on`,
    ]),
    "",
    t.deployAfter,
    "",
    t.updates,
    "",
    t.updatesIntro(d),
    "",
    t.windowHead,
    "|---|---|",
    ...d.updates.windows.map((w) => `| ${w.host} | ${w.time} |`),
    "",
    t.upgrade,
    "",
    ...t.upgradeSteps(d, upgradeNames(d)),
    "",
  ];
  return lines.join("\n");
}
