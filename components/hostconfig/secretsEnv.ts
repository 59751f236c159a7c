import { renderEnvFile } from "./envFile";
import { isOneLine } from "./escape";

/** WEBHOOK_<NAME>_URL: the webhook name upper-cased, '-' → '_'. */
export function webhookSecretName(webhook: string, field: "URL" | "ROUTING_KEY"): string {
  return `WEBHOOK_${webhook.toUpperCase().replace(/-/g, "_")}_${field}`;
}

/**
 * secrets.env content: sorted `KEY='value'` lines (envFile.ts), read by bash `source` and
 * systemd's EnvironmentFile= alike. A line break cannot be carried by both, so it is refused.
 */
export function renderSecretsEnv(values: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.keys(values).sort().map((name) => [name, values[name]]));
  for (const [name, value] of Object.entries(sorted))
    // Checked here, before the escaper, so the error names the secret but never shows it.
    if (!isOneLine(value)) throw new Error(`secret ${name} contains a line break or control character, which secrets.env cannot carry`);
  return renderEnvFile("Host secrets, written by converge from a secret input (components/cloud/secrets.ts).", sorted);
}
