import * as fs from "fs";
import * as path from "path";
import { inHost, LabMachine, mergedDir } from "../hosts";
import { LabNames, SH_DIR } from "../paths";
import type { LabSecrets } from "../secrets";
import type { LabTopology } from "../topology";

/** Where sh/storagebox-setup.sh puts the subaccounts' chrooted homes. */
export const STORAGEBOX_HOMES = "/srv/storagebox";

/** Veth index of the Storage Box stand-in: far above any plan host's. */
const STORAGEBOX_INDEX = 90;

/** A container of its own on the public side: the subaccounts are real users there, not on this machine. */
export function storageBoxMachine(names: LabNames, topo: LabTopology): LabMachine {
  return {
    name: `${names.stack}-storagebox`,
    index: STORAGEBOX_INDEX,
    publicIp: topo.publicSide.storageBox,
    userData: "#cloud-config\n# Lab stand-in for the Hetzner Storage Box; configured by sh/storagebox-setup.sh.\n{}\n",
    units: [],
  };
}

/** One chrooted SFTP home per subaccount (one per host, as components/cloud/backups.ts creates them). */
export function configureStorageBox(names: LabNames, machine: LabMachine, secrets: LabSecrets): string {
  const accounts = Object.values(secrets.hosts).map((h) => `${h.STORAGEBOX_USERNAME} ${h.STORAGEBOX_PASSWORD}\n`).join("");
  const script = fs.readFileSync(path.join(SH_DIR, "storagebox-setup.sh"), "utf8");
  // The script travels as a file in the machine's own layer, the accounts on stdin.
  const inside = "/usr/local/sbin/lab-storagebox-setup";
  fs.writeFileSync(path.join(mergedDir(names, machine.name), inside), script, { mode: 0o755 });
  return inHost(names, machine.name, [inside], { input: accounts }).stdout.trim();
}
