import type { NodeSpec, ShopSpec } from "../config";
import { dbPrimary, liveReplicas } from "../config";
import type { BundleFile, BundleRenderer } from "./types";
import { calendarIntervalSeconds } from "../config/calendar";
import { renderEnvFile } from "./envFile";
import { readShopFile } from "./shopFiles";
import { SHOP_DB_NAME, SHOP_SHARED } from "./shopware";
import { unitListFile } from "./units";
import { systemdValue } from "./escape";

export type BackupKind = "db" | "files" | "media" | "check";

/** One scheduled backup job on one host (OPS-1). */
export interface BackupJob {
  kind: BackupKind;
  description: string;
  onCalendar: string;
  /** shop-health alerts when the last success is older than this: 1.5 × the schedule's interval. */
  maxAgeSeconds: number;
}

export const BACKUP_STATE_DIR = "/var/lib/shop/backup";
export const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";
/** ssh_config alias written by 40-backup-init; restic, rclone and ssh-copy-id all use it. */
export const STORAGEBOX_SSH_ALIAS = "shop-storagebox";
export const RESTIC_REPOSITORY = `sftp:${STORAGEBOX_SSH_ALIAS}:/restic`;
const ALL_KINDS: BackupKind[] = ["db", "files", "media", "check"];

/** The host that dumps the database: the first replica, so the primary never pays for it. */
export function dbDumpHost(spec: ShopSpec): NodeSpec {
  return liveReplicas(spec)[0] ?? dbPrimary(spec);
}

export function backupJobs(spec: ShopSpec, node: NodeSpec): BackupJob[] {
  const b = spec.backup;
  const job = (kind: BackupKind, description: string, onCalendar: string): BackupJob => ({
    kind,
    description,
    onCalendar,
    maxAgeSeconds: Math.round(1.5 * calendarIntervalSeconds(onCalendar)),
  });
  const jobs: BackupJob[] = [];
  if (node.name === dbDumpHost(spec).name) jobs.push(job("db", `database dump of ${SHOP_DB_NAME}`, b.dbSchedule));
  jobs.push(job("files", "shared/, /etc and the env file", b.filesSchedule));
  // One app node mirrors the bucket: the scheduler node, which exists exactly once (D8).
  if (b.mediaMirror && node.scheduler) jobs.push(job("media", `media bucket ${spec.media.bucket} mirror`, b.mediaSchedule));
  jobs.push(job("check", `restic check --read-data-subset=${b.checkReadDataSubset}`, b.checkSchedule));
  return jobs;
}

/** How many days back the database snapshots reach under the retention (monthly, else weekly, else daily). */
export function retentionReachDays(r: ShopSpec["backup"]["retention"]): number {
  if (r.monthly > 0) return r.monthly * 31;
  if (r.weekly > 0) return r.weekly * 7;
  return r.daily;
}

function backupEnv(spec: ShopSpec, node: NodeSpec, jobs: BackupJob[]): string {
  const r = spec.backup.retention;
  const paths = ["/etc", ...(node.roles.includes("app") ? [SHOP_SHARED] : [])];
  return renderEnvFile("Managed by the shop blueprint (backups, OPS-1). No secrets here: they are in secrets.env.", {
    SHOP_HOST: node.name,
    BACKUP_KINDS: jobs.map((j) => j.kind).join(" "),
    RESTIC_REPOSITORY,
    SHOP_DB_NAME,
    // shared/ holds the env file (.env.local); secrets.env comes back from Pulumi state instead.
    BACKUP_FILES_PATHS: paths.join(" "),
    BACKUP_FILES_EXCLUDES: "/etc/shop/secrets.env",
    RETENTION_HOURLY: r.hourly,
    RETENTION_DAILY: r.daily,
    RETENTION_WEEKLY: r.weekly,
    RETENTION_MONTHLY: r.monthly,
    CHECK_READ_DATA_SUBSET: spec.backup.checkReadDataSubset,
    MEDIA_ENDPOINT: spec.media.endpoint,
    MEDIA_REGION: spec.media.region,
    MEDIA_MIRROR_SOURCE: `media:${spec.media.bucket}`,
    MEDIA_MIRROR_DEST: "box:media-mirror",
    MEDIA_DELETED_KEEP_DAYS: retentionReachDays(r),
    STORAGEBOX_KEY_FILE: `/root/.ssh/${STORAGEBOX_SSH_ALIAS}_ed25519`,
    BACKUP_STATE_DIR,
    BACKUP_TEXTFILE_DIR: TEXTFILE_DIR,
  });
}

function timerUnit(spec: ShopSpec, job: BackupJob): string {
  return [
    "# Managed by the shop blueprint (backups, OPS-1); schedule from stack key backup.*.",
    "[Unit]",
    `Description=${systemdValue(`Shop backup timer: ${job.description}`)}`,
    "",
    "[Timer]",
    `OnCalendar=${systemdValue(job.onCalendar)}`,
    `RandomizedDelaySec=${spec.backup.randomizedDelaySec}`,
    "Persistent=true",
    `Unit=shop-backup@${job.kind}.service`,
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
}

const file = (path: string, mode: string, content: string): BundleFile => ({ path, mode, owner: "root:root", content });

/** Backup scripts, config, timers and the repository-init hook for one host. */
export const backups: BundleRenderer = (spec, node) => {
  const jobs = backupJobs(spec, node);
  const kinds = new Set(jobs.map((j) => j.kind));
  return [
    // restic reads RESTIC_PASSWORD from secrets.env for every job.
    { ...file("/usr/local/lib/shop/backup-common.sh", "0644", readShopFile("shop-backup-common.sh")), secrets: ["RESTIC_PASSWORD"] },
    file("/usr/local/lib/shop/storagebox-askpass", "0755", readShopFile("storagebox-askpass.sh")),
    // Heartbeat pings on every run; the bucket credentials only where the media mirror runs.
    {
      ...file("/usr/local/sbin/shop-backup", "0755", readShopFile("shop-backup.sh")),
      secrets: [...(spec.backup.heartbeatUrl ? ["BACKUP_HEARTBEAT_URL"] : []), ...(kinds.has("media") ? ["MEDIA_ACCESS_KEY", "MEDIA_SECRET_KEY"] : [])],
    },
    file("/usr/local/sbin/shop-restore", "0755", readShopFile("shop-restore.sh")),
    file("/etc/shop/backup.env", "0644", backupEnv(spec, node, jobs)),
    file("/etc/systemd/system/shop-backup@.service", "0644", readShopFile("systemd/shop-backup@.service")),
    ...jobs.map((j) => ({ ...file(`/etc/systemd/system/shop-backup-${j.kind}.timer`, "0644", timerUnit(spec, j)), restarts: [`shop-backup-${j.kind}.timer`] })),
    file("/usr/local/lib/shop/apply.d/40-backup-init", "0755", readShopFile("apply.d/40-backup-init")),
    unitListFile(
      "backup",
      jobs.map((j) => `shop-backup-${j.kind}.timer`),
      ALL_KINDS.filter((k) => !kinds.has(k)).map((k) => `shop-backup-${k}.timer`),
    ),
  ];
};
