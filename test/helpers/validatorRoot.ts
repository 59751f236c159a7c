import { createHash } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { TestContext } from "node:test";
import { requireTool, run, RunResult } from "./tools";
import { ROOT } from "./stacks";

/** The release this machine (and CI) runs: its own tools judge renders for it. */
const HOST_CODENAME = /^VERSION_CODENAME=(\S+)$/m.exec(fs.readFileSync("/etc/os-release", "utf8"))?.[1] ?? "bookworm";
const MIRROR = "http://deb.debian.org/debian";
const CACHE = "/var/cache/shop-validator";
const SCRIPT = path.join(ROOT, "scripts", "validator", "build-root.sh");
/** The build steps build-root.sh shares with the lab image; part of the cache key like the script. */
const CHROOT_BUILD_LIB = path.join(ROOT, "scripts", "lib", "chroot-build.sh");

/** Runs a validator of the stack's own release: on this host, or inside a debootstrapped root. */
export interface Validators {
  codename: string;
  require(t: TestContext, bin: string): boolean;
  run(cmd: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; cwd?: string }): RunResult;
}

/** The cached root for a release, keyed by the build script, the package list, suite and mirror. */
export function validatorRootPath(codename: string): string {
  const packages = path.join(ROOT, "scripts", "validator", `${codename}.packages`);
  const key = createHash("sha256").update(fs.readFileSync(SCRIPT)).update(fs.readFileSync(CHROOT_BUILD_LIB)).update(fs.readFileSync(packages)).update(`${codename} ${MIRROR}`).digest("hex").slice(0, 12);
  return path.join(CACHE, `${codename}-${key}`);
}

/** Builds the root once (under a lock: test files run in parallel); later calls find it cached. */
function ensureRoot(codename: string): string {
  const root = validatorRootPath(codename);
  if (fs.existsSync(path.join(root, "usr"))) return root;
  fs.mkdirSync(CACHE, { recursive: true });
  const packages = path.join(ROOT, "scripts", "validator", `${codename}.packages`);
  execFileSync("flock", [path.join(CACHE, `${codename}.lock`), "sh", "-c", '[ -d "$4/usr" ] || bash "$0" "$1" "$2" "$3" "$4"', SCRIPT, codename, MIRROR, packages, root], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  return root;
}

/**
 * Inside the root: a private mount namespace with /proc and this machine's temp dir (where the
 * tests materialize renders) bind-mounted at the same path, then chroot.
 */
function inRoot(root: string, cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string }): RunResult {
  const tmp = os.tmpdir();
  const script = 'mount -t proc proc "$0/proc" && mkdir -p "$0$1" && mount --bind "$1" "$0$1" && shift && exec chroot "$0" "$@"';
  return run("unshare", ["--mount", "--propagation", "private", "sh", "-c", script, root, tmp, ...(opts.cwd ? ["sh", "-c", 'cd "$0" && exec "$@"', opts.cwd] : []), cmd, ...args], { env: opts.env });
}

/** The validators of a node's release: this host's for its own release, a debootstrapped root's otherwise. */
export function validatorsFor(codename: string): Validators {
  if (codename === HOST_CODENAME) return { codename, require: requireTool, run: (cmd, args, opts = {}) => run(cmd, args, opts) };
  let root: string | undefined;
  const rootOf = () => (root ??= ensureRoot(codename));
  return {
    codename,
    require(_t, bin) {
      const found = inRoot(rootOf(), "sh", ["-c", 'command -v "$0" || test -x "/usr/sbin/$0"', bin], {});
      if (found.status !== 0) throw new Error(`validator ${bin} is missing from the ${codename} root ${rootOf()}: add it to scripts/validator/${codename}.packages`);
      return true;
    },
    run: (cmd, args, opts = {}) => inRoot(rootOf(), cmd, args, opts),
  };
}
