import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { SecretMap } from "./secrets";
import type { ShopSpec } from "../config";

export interface ShopBackupsArgs {
  spec: ShopSpec;
}

/** Where one host's restic repository lives: its own subaccount and home directory. */
export interface HostBackupTarget {
  host: string;
  server: pulumi.Output<string>;
  username: pulumi.Output<string>;
  password: pulumi.Output<string>;
}

/**
 * Hetzner's Storage Box password policy wants upper, lower, digits and a special character.
 * The specials exclude quotes and backslashes, which secrets.env cannot carry.
 */
const storageBoxPasswordArgs: random.RandomPasswordArgs = {
  length: 40,
  minUpper: 2,
  minLower: 2,
  minNumeric: 2,
  minSpecial: 2,
  overrideSpecial: "-_.,+=!#%",
};

/** Daily Storage Box snapshots (UTC), on top of restic's own retention. */
export const SNAPSHOT_PLAN = { hour: 3, minute: 15, maxSnapshots: 14 } as const;

/**
 * OPS-1 off-host storage: one Storage Box per stack, one subaccount (own home directory, own
 * restic repository over SFTP port 23) per host. The box is protected and never replaced:
 * `sshKeys` would force a replacement (and lose the data), so keys go into each subaccount's
 * authorized_keys from the host instead (40-backup-init).
 */
export class ShopBackups extends pulumi.ComponentResource {
  readonly storageBox: hcloud.StorageBox;
  readonly targets: HostBackupTarget[];

  constructor(name: string, args: ShopBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:ShopBackups", name, {}, opts);
    const { spec } = args;
    const labels = { ...spec.labels, role: "backup" };

    const boxPassword = new random.RandomPassword(`${name}-box-password`, storageBoxPasswordArgs, { parent: this });
    this.storageBox = new hcloud.StorageBox(
      `${name}-box`,
      {
        name: `${spec.customer}-${spec.stack}-backups`,
        storageBoxType: spec.backup.storageBoxType,
        location: spec.backup.location,
        password: boxPassword.result,
        labels,
        // The hosts are inside Hetzner's network; nothing else needs to reach the box.
        accessSettings: { sshEnabled: true, reachableExternally: false, sambaEnabled: false, webdavEnabled: false, zfsEnabled: false },
        snapshotPlan: { ...SNAPSHOT_PLAN },
        deleteProtection: true,
      },
      { parent: this, protect: true, ignoreChanges: ["sshKeys"] },
    );
    const storageBoxId = this.storageBox.id.apply(Number);

    // Every host backs up at least its files (backupJobs), so every host gets a subaccount.
    this.targets = spec.nodes.map((node) => {
        const password = new random.RandomPassword(`${name}-${node.name}-password`, storageBoxPasswordArgs, { parent: this });
        const sub = new hcloud.StorageBoxSubaccount(
          `${name}-${node.name}`,
          {
            storageBoxId,
            name: node.name,
            homeDirectory: node.name,
            password: password.result,
            description: `restic repository of ${node.name}`,
            labels: { ...labels, host: node.name },
            accessSettings: { sshEnabled: true, reachableExternally: false, readonly: false, sambaEnabled: false, webdavEnabled: false },
          },
          { parent: this },
        );
        return { host: node.name, server: sub.server, username: sub.username, password: pulumi.secret(password.result) };
      });
    this.registerOutputs({ storageBoxServer: this.storageBox.server });
  }

  /** The per-host values converge adds to secrets.env (the address is known only after apply). */
  hostSecrets(host: string): SecretMap {
    const target = this.targets.find((t) => t.host === host);
    if (!target) return {};
    return { STORAGEBOX_SERVER: target.server, STORAGEBOX_USERNAME: target.username, STORAGEBOX_PASSWORD: target.password };
  }
}
