import * as fs from "fs";
import * as path from "path";
import type { HostBundle } from "../../components/hostconfig/types";
import { renderSecretsEnv } from "../../components/hostconfig/secretsEnv";
import { ROOT } from "./stacks";
import { run, RunResult } from "./tools";

export const APPLY_SCRIPT = path.join(ROOT, "components", "files", "shop-apply.sh");
const HOOK_PREFIX = "/usr/local/lib/shop/apply.d/";

/** Stand-in values for every secret a template may name; never real, never reused. */
export const TEST_SECRETS: Record<string, string> = {
  APP_SECRET: "testappsecret0123456789",
  DB_SHOP_PASSWORD: "testShopPw42",
  DB_REPLICATION_PASSWORD: "testReplPw42",
  DB_BACKUP_PASSWORD: "testBackupPw42",
  REDIS_PASSWORD: "testRedisPw42",
  RESTIC_PASSWORD: "testResticPw42",
  MEDIA_ACCESS_KEY: "testAccessKey",
  MEDIA_SECRET_KEY: "testSecretKey",
};

/**
 * Writes a bundle in the offline plan's layout (bundle.json + bundle/<abs path>) into dir.
 * `withHooks: false` leaves out apply.d hooks: they act on the real machine (users, swap,
 * systemctl) and are exercised on their own.
 */
export function writeBundleDir(bundle: HostBundle, dir: string, opts: { withHooks: boolean }): void {
  const files = bundle.files.filter((f) => opts.withHooks || !f.path.startsWith(HOOK_PREFIX));
  for (const f of files) {
    const dest = path.join(dir, "bundle", f.path);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, f.content);
  }
  const manifest = { host: bundle.host, hash: bundle.hash, files: files.map(({ content: _content, ...meta }) => meta) };
  fs.writeFileSync(path.join(dir, "bundle.json"), JSON.stringify(manifest, null, 2) + "\n");
}

/** A systemctl stand-in that records each call, one line per call, in `log`. */
export function fakeSystemctl(dir: string): { bin: string; log: string } {
  const bin = path.join(dir, "fake-systemctl");
  const log = path.join(dir, "systemctl.log");
  fs.writeFileSync(bin, `#!/bin/sh\necho "$*" >> '${log}'\n`, { mode: 0o755 });
  return { bin, log };
}

export function readLines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** Runs the real apply script into `root` (SHOP_ROOT) with a fake systemctl, secrets on stdin. */
export function applyInto(root: string, bundleDir: string, systemctl: string, secrets: Record<string, string> = TEST_SECRETS): RunResult {
  return run("bash", [APPLY_SCRIPT, "--secrets-stdin", bundleDir], {
    input: renderSecretsEnv(secrets),
    env: { ...process.env, SHOP_ROOT: root, SHOP_SYSTEMCTL: systemctl },
  });
}

/** Renders one host into a temp root the way a host receives it: bundle → shop-apply. */
export function materialize(bundle: HostBundle, workDir: string): string {
  const root = path.join(workDir, "root");
  const bundleDir = path.join(workDir, "bundle-in");
  fs.mkdirSync(root, { recursive: true });
  writeBundleDir(bundle, bundleDir, { withHooks: false });
  const r = applyInto(root, bundleDir, fakeSystemctl(workDir).bin);
  if (r.status !== 0) throw new Error(`shop-apply failed for ${bundle.host}:\n${r.stdout}\n${r.stderr}`);
  return root;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/**
 * The base test rewrite for nginx: absolute host paths (/etc/nginx, /var/log/nginx, /var/www, /run) point
 * into the temp root, and Debian's stock mime.types and fastcgi_params are copied there.
 * Returns the nginx.conf to pass to `nginx -p ROOT -c`.
 */
export function rerootNginx(root: string, extra: [string, string][] = []): string {
  const etc = path.join(root, "etc/nginx");
  for (const stock of ["mime.types", "fastcgi_params"]) fs.copyFileSync(path.join("/etc/nginx", stock), path.join(etc, stock));
  fs.mkdirSync(path.join(root, "var/log/nginx"), { recursive: true });
  fs.mkdirSync(path.join(root, "run/php"), { recursive: true });
  for (const file of filesUnder(etc)) {
    let text = fs.readFileSync(file, "utf8")
      .replaceAll("/etc/nginx/", `${root}/etc/nginx/`)
      .replaceAll("/var/log/nginx/", `${root}/var/log/nginx/`)
      .replaceAll("/var/www/", `${root}/var/www/`)
      .replaceAll("/run/", `${root}/run/`);
    for (const [from, to] of extra) text = text.replaceAll(from, to);
    fs.writeFileSync(file, text);
  }
  return path.join(etc, "nginx.conf");
}

/** A php-fpm main config around the rendered pool: only pid and error_log are test paths. */
export function phpFpmTestConf(root: string, phpVersion: string): string {
  const conf = path.join(root, "php-fpm-test.conf");
  fs.mkdirSync(path.join(root, "run/php"), { recursive: true });
  fs.mkdirSync(path.join(root, "var/log"), { recursive: true });
  fs.writeFileSync(
    conf,
    `[global]\npid = ${root}/run/php-fpm.pid\nerror_log = ${root}/var/log/php-fpm.log\ninclude = ${root}/etc/php/${phpVersion}/fpm/pool.d/*.conf\n`,
  );
  return conf;
}

/** PHP reads the rendered conf.d after Debian's own (the leading ':' keeps the default scan dir). */
export function phpIniEnv(root: string, phpVersion: string, sapi: "fpm" | "cli"): NodeJS.ProcessEnv {
  return { ...process.env, PHP_INI_SCAN_DIR: `:${root}/etc/php/${phpVersion}/${sapi}/conf.d` };
}
