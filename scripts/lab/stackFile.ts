import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { buildSpec, readStackFile, ShopSpec, stackFilePath } from "../../components/config";
import { PROJECT_ROOT } from "./paths";

/** The readonly account the lab adds so it can log in as that role (the stack's users hold their own keys). */
export const LAB_READONLY_USER = "lab-readonly";
/** The deploy-role account the lab deploys as (npm run deploy -- --lab), never the automation user. */
export const LAB_DEPLOY_USER = "lab-deploy";
/** The admin-role account the lab's failover runs as (npm run failover -- --lab), never the automation user. */
export const LAB_ADMIN_USER = "lab-admin";
/** The accounts the lab adds; scenarios that remove a user leave these alone. */
export const LAB_USERS = [LAB_READONLY_USER, LAB_DEPLOY_USER, LAB_ADMIN_USER];

type StackConfig = Record<string, unknown>;
interface UserEntry {
  name: string;
  role: string;
  sshKeys: string[];
}

/**
 * Writes the lab's copy of a stack file: the stack as it is, plus the lab's readonly, deploy and admin accounts,
 * plus `change` (day-2 scenarios edit users, thresholds, PHP settings here, as an operator would
 * edit the stack). Users live only in bundles (D2), so user-data stays exactly the plan's.
 */
export function writeLabStack(stack: string, dir: string, labPublicKey: string, change: (config: StackConfig) => void = () => {}): string {
  const doc = parse(fs.readFileSync(stackFilePath(path.join(PROJECT_ROOT, "stacks"), stack), "utf8")) as { config: StackConfig };
  const users = (doc.config["shop:users"] as UserEntry[] | undefined) ?? [];
  doc.config["shop:users"] = [
    ...users,
    { name: LAB_READONLY_USER, role: "readonly", sshKeys: [labPublicKey] },
    { name: LAB_DEPLOY_USER, role: "deploy", sshKeys: [labPublicKey] },
    { name: LAB_ADMIN_USER, role: "admin", sshKeys: [labPublicKey] },
  ];
  change(doc.config);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, `# Written by the lab from stacks/Pulumi.${stack}.yaml; removed by lab down.\n${stringify(doc)}`);
  return file;
}

export function labSpec(file: string, stack: string): ShopSpec {
  return buildSpec(readStackFile(file, stack).raw, { stack }).spec;
}
