import { commentText, envFileValue } from "./escape";

/**
 * KEY='value' lines: read by bash (`shop_load_env_file`), Python (shop-health) and systemd's
 * EnvironmentFile= alike; the quoting is escape.ts's envFileValue.
 */
export function renderEnvFile(header: string, values: Record<string, string | number>): string {
  const lines = Object.entries(values).map(([key, value]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`env key ${key} is not SCREAMING_SNAKE`);
    return `${key}=${envFileValue(String(value))}`;
  });
  return `# ${commentText(header)}\n${lines.join("\n")}\n`;
}
