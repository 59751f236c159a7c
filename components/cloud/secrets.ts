import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { renderSecretsEnv, webhookSecretName } from "../hostconfig/secretsEnv";
import type { SecretString, ShopSpec } from "../config";

/** Host secrets by name (SCREAMING_SNAKE, as /etc/shop/secrets.env holds them). */
export type SecretMap = Record<string, pulumi.Input<string>>;

/** Secrets generated here; APP_SECRET only when the stack does not set `shop:appSecret`. */
const GENERATED = ["DB_SHOP_PASSWORD", "DB_REPLICATION_PASSWORD", "DB_BACKUP_PASSWORD", "REDIS_PASSWORD", "RESTIC_PASSWORD"] as const;

/**
 * The stack's shared secrets: generated ones from @pulumi/random (kept in state, encrypted),
 * the rest from `secure:` stack config. Every value is a secret Output (D3).
 */
export class ShopSecrets extends pulumi.ComponentResource {
  readonly values: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: { spec: ShopSpec }, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:ShopSecrets", name, {}, opts);
    const { spec } = args;
    // Alphanumeric only: these end up inside DSNs and SQL without any escaping.
    const generate = (id: string, length: number) =>
      new random.RandomPassword(`${name}-${id.toLowerCase().replace(/_/g, "-")}`, { length, special: false }, { parent: this }).result;
    const fromConfig = (s: SecretString) => pulumi.secret(s.reveal());

    const values: Record<string, pulumi.Output<string>> = {};
    for (const id of GENERATED) values[id] = generate(id, 40);
    values.APP_SECRET = spec.appSecret ? fromConfig(spec.appSecret) : generate("APP_SECRET", 64);
    values.MEDIA_ACCESS_KEY = fromConfig(spec.media.accessKey);
    values.MEDIA_SECRET_KEY = fromConfig(spec.media.secretKey);
    for (const hook of spec.monitoring.webhooks) {
      values[webhookSecretName(hook.name, "URL")] = fromConfig(hook.url);
      if (hook.routingKey) values[webhookSecretName(hook.name, "ROUTING_KEY")] = fromConfig(hook.routingKey);
    }
    if (spec.backup.heartbeatUrl) values.BACKUP_HEARTBEAT_URL = fromConfig(spec.backup.heartbeatUrl);
    if (spec.monitoring.heartbeatUrl) values.MONITORING_HEARTBEAT_URL = fromConfig(spec.monitoring.heartbeatUrl);
    if (spec.mail) values.MAILER_DSN = fromConfig(spec.mail.dsn);
    this.values = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, pulumi.secret(v)]));
    this.registerOutputs({});
  }
}

/** The secrets.env content for one host: shared secrets plus the host's own, as one secret Output. */
export function secretsEnvOutput(shared: SecretMap, extra: SecretMap = {}): pulumi.Output<string> {
  const all = { ...shared, ...extra };
  return pulumi.secret(pulumi.all(all).apply((values) => renderSecretsEnv(values as Record<string, string>)));
}
