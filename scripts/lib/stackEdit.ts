import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { buildSpec, readStackFile, ShopSpec } from "../../components/config";

/** What `shop:database` says: the primary and the nodes out of service, by short name (db-2). */
export interface DatabaseRoles {
  primary: string;
  outOfService: string[];
}

/** The stack file's text with one config key set, every comment and other key kept as written. */
function withConfigKey(stackYaml: string, keyPath: string[], value: unknown): string {
  const doc = parseDocument(stackYaml);
  if (doc.errors.length) throw new Error(`the stack file is not valid YAML: ${doc.errors[0].message}`);
  doc.setIn(["config", ...keyPath], doc.createNode(value));
  return doc.toString();
}

/** `shop:database` set to `roles`, so the next `pulumi up` renders the roles the failover left on the hosts. */
export function withDatabaseRoles(stackYaml: string, roles: DatabaseRoles): string {
  return withConfigKey(stackYaml, ["shop:database"], { primary: roles.primary, outOfService: [...new Set(roles.outOfService)] });
}

/** `shop:dns.target` set (lb or the old host's address), the rest of `shop:dns` as written. */
export function withDnsTarget(stackYaml: string, target: string): string {
  return withConfigKey(stackYaml, ["shop:dns", "target"], target);
}

/** The spec a stack file's text describes, validated exactly as `plan` reads a file. */
export function specFromText(stack: string): (text: string) => ShopSpec {
  return (text) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-stack-"));
    try {
      const file = path.join(dir, `Pulumi.${stack}.yaml`);
      fs.writeFileSync(file, text);
      return buildSpec(readStackFile(file, stack).raw, { stack }).spec;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}
