import * as path from "path";
import { SHOP_DIR, SHOP_SHARED } from "../../../components/hostconfig/shopware";
import { run } from "../proc";
import { ssh, SshTarget } from "../ssh";

const STANDIN_DIR = path.join(__dirname, "..", "standin");
const RELEASE = "lab-standin";

/**
 * Deploys the Shopware stand-in (scripts/lab/standin) the way a release is laid out: into
 * releases/<id>, with the shared .env.local linked in, then `current` switched atomically.
 */
export function deployStandIn(target: SshTarget): void {
  const tar = run("tar", ["-C", STANDIN_DIR, "-c", "."], { timeoutMs: 30_000 });
  const release = `${SHOP_DIR}/releases/${RELEASE}`;
  const script = [
    "set -e",
    `sudo rm -rf ${release}`,
    `sudo mkdir -p ${release}`,
    `sudo tar -x --no-same-owner -C ${release}`,
    `sudo ln -sfn ${SHOP_SHARED}/.env.local ${release}/.env.local`,
    `sudo ln -sfn releases/${RELEASE} ${SHOP_DIR}/current.lab`,
    `sudo mv -T ${SHOP_DIR}/current.lab ${SHOP_DIR}/current`,
  ].join(" && ");
  ssh(target, script, { input: tar.stdout });
}
