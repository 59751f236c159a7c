import * as fs from "fs";
import * as path from "path";
import type { ShopSpec } from "../../../components/config";
import { inHost } from "../hosts";
import type { LabNames } from "../paths";
import { run } from "../proc";
import type { LabTopology } from "../topology";

/**
 * Stand-in for Cloudflare's edge, so the hosts' outside-in checks take the customer's path: the
 * shop's hostnames resolve (in each host's /etc/hosts) to the lab's client address, a Cloudflare
 * edge address on this machine, where HAProxy terminates TLS with a certificate of the lab's own
 * CA (trusted on the hosts only) and forwards to the LB from that address, as Cloudflare would.
 */
export interface LabEdge {
  address: string;
  /** Certificate and key for HAProxy's `crt`. */
  pem: string;
  caCert: string;
}

const edgeFile = (names: LabNames, file: string) => path.join(names.runDir, "edge", file);

/** The running lab's edge (its certificate made by labEdge at up). */
export function existingLabEdge(names: LabNames, topo: LabTopology): LabEdge {
  return { address: topo.publicSide.client, pem: edgeFile(names, "edge.pem"), caCert: edgeFile(names, "ca.crt") };
}

export function labEdge(names: LabNames, spec: ShopSpec, topo: LabTopology): LabEdge {
  fs.mkdirSync(path.join(names.runDir, "edge"), { recursive: true });
  const file = (n: string) => edgeFile(names, n);
  // The extensions a public CA's certificates carry: Python 3.13 (Debian 13) verifies strictly
  // (VERIFY_X509_STRICT) and refuses a CA without key usage or a leaf without its issuer's key id.
  const ca = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=shop lab edge CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", file("ca.key"), "-out", file("ca.crt")];
  run("openssl", ca);
  run("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${spec.primaryHost}`, "-keyout", file("edge.key"), "-out", file("edge.csr")]);
  fs.writeFileSync(
    file("san.ext"),
    [
      `subjectAltName=${spec.hostnames.map((h) => `DNS:${h}`).join(",")}`,
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "subjectKeyIdentifier=hash",
      "authorityKeyIdentifier=keyid,issuer",
      "",
    ].join("\n"),
  );
  run("openssl", ["x509", "-req", "-in", file("edge.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"), "-CAcreateserial", "-days", "30", "-extfile", file("san.ext"), "-out", file("edge.crt")]);
  fs.writeFileSync(file("edge.pem"), fs.readFileSync(file("edge.crt"), "utf8") + fs.readFileSync(file("edge.key"), "utf8"), { mode: 0o600 });
  return existingLabEdge(names, topo);
}

/** Ends the /etc/hosts line pointHostAtEdge writes, so a scenario can find and remove it. */
export const EDGE_HOSTS_MARK = "# shop lab: Cloudflare edge stand-in";

/** On a booted host: the shop's names point at the edge, and the lab CA is trusted. */
export function pointHostAtEdge(names: LabNames, host: string, spec: ShopSpec, edge: LabEdge): void {
  inHost(names, host, ["sh", "-c", "cat >> /etc/hosts"], { input: `${edge.address} ${spec.hostnames.join(" ")} ${EDGE_HOSTS_MARK}\n` });
  inHost(names, host, ["sh", "-c", "cat > /usr/local/share/ca-certificates/shop-lab-edge.crt && update-ca-certificates >/dev/null"], { input: fs.readFileSync(edge.caCert, "utf8") });
}
