import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { renderSecretsEnv, webhookSecretName } from "../../components/hostconfig/secretsEnv";
import type { ShopSpec } from "../../components/config";
import type { LabNames } from "./paths";
import type { LabTopology } from "./topology";

/** The webhook sink's port on the public bridge. */
export const SINK_PORT = 8080;

/** Alphanumeric, like the @pulumi/random passwords converge hands over (they go into DSNs unescaped). */
function password(length = 40): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join("");
}

export interface LabSecrets {
  shared: Record<string, string>;
  /** Per host: its Storage Box subaccount (what converge adds from the backups component). */
  hosts: Record<string, Record<string, string>>;
}

/** Generated once per `up`, kept 0600 in the run dir (removed by down); never printed. */
export function labSecrets(names: LabNames, spec: ShopSpec, topo: LabTopology): LabSecrets {
  const file = path.join(names.runDir, "secrets.json");
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as LabSecrets;
  const sink = `http://${topo.publicSide.webhookSink}:${SINK_PORT}`;
  const shared: Record<string, string> = {
    APP_SECRET: password(64),
    DB_SHOP_PASSWORD: password(),
    DB_REPLICATION_PASSWORD: password(),
    DB_BACKUP_PASSWORD: password(),
    REDIS_PASSWORD: password(),
    RESTIC_PASSWORD: password(),
    MEDIA_ACCESS_KEY: password(20),
    MEDIA_SECRET_KEY: password(),
    BACKUP_HEARTBEAT_URL: `${sink}/heartbeat/backup`,
    MONITORING_HEARTBEAT_URL: `${sink}/heartbeat/monitoring`,
  };
  // No mail relay is stood in yet: a DSN to this machine's loopback on 587 that nothing answers.
  if (spec.mail) shared.MAILER_DSN = `smtp://lab:${password()}@127.0.0.1:587`;
  for (const hook of spec.monitoring.webhooks) {
    shared[webhookSecretName(hook.name, "URL")] = `${sink}/hook/${hook.name}`;
    if (hook.type === "pagerduty") shared[webhookSecretName(hook.name, "ROUTING_KEY")] = password(32);
  }
  const hosts = Object.fromEntries(
    topo.hosts.map((h) => [h.name, { STORAGEBOX_SERVER: topo.publicSide.storageBox, STORAGEBOX_USERNAME: h.name, STORAGEBOX_PASSWORD: password() }]),
  );
  const secrets = { shared, hosts };
  fs.writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

export function hostSecretsEnv(secrets: LabSecrets, host: string): string {
  return renderSecretsEnv({ ...secrets.shared, ...secrets.hosts[host] });
}
