import * as fs from "fs";
import * as path from "path";
import type { BundleFile } from "../../components/hostconfig/types";
import { run } from "./tools";

/**
 * A throwaway root for host scripts that manage real accounts: a private mount namespace binds
 * the machine's /usr read-only into a temp dir and chroots there, with copies of passwd, group
 * and shadow. The machine's own accounts are never touched.
 */
export function install(root: string, files: BundleFile[]): void {
  for (const f of files) {
    const target = path.join(root, f.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.content, { mode: parseInt(f.mode, 8) });
    fs.chmodSync(target, parseInt(f.mode, 8));
  }
}

export function makeRoot(root: string): void {
  fs.chmodSync(root, 0o755); // mkdtemp's 0700 would lock every other account out of "/"
  for (const d of ["usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "usr/libexec", "usr/share", "usr/local", "dev", "proc", "home", "tmp", "run", "var/www", "etc/default"])
    fs.mkdirSync(path.join(root, d), { recursive: true });
  for (const l of ["bin", "sbin", "lib", "lib64"]) fs.symlinkSync(`usr/${l}`, path.join(root, l));
  for (const f of ["passwd", "group", "shadow", "gshadow", "login.defs", "nsswitch.conf", "default/useradd", "hosts"])
    if (fs.existsSync(`/etc/${f}`)) fs.copyFileSync(`/etc/${f}`, path.join(root, "etc", f));
  for (const d of ["skel", "pam.d", "security"]) if (fs.existsSync(`/etc/${d}`)) fs.cpSync(`/etc/${d}`, path.join(root, "etc", d), { recursive: true });
  fs.writeFileSync(path.join(root, "etc/sudoers"), "Defaults env_reset\n@includedir /etc/sudoers.d\n", { mode: 0o440 });
  fs.chmodSync(path.join(root, "etc/sudoers"), 0o440);
}

/** Runs a command chrooted into root, with /usr bound read-only from the machine. */
export function inRoot(root: string, cmd: string[]) {
  const binds = ["bin", "sbin", "lib", "lib64", "libexec", "share"].map((d) => `mount --bind /usr/${d} "$R/usr/${d}" && mount -o remount,bind,ro "$R/usr/${d}"`).join(" && ");
  const script = `${binds} && mount --bind /dev "$R/dev" && mount -t proc proc "$R/proc" && exec chroot "$R" "$@"`;
  return run("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh", ...cmd], { env: { ...process.env, R: root, PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } });
}

