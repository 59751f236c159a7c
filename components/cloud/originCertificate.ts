import * as cloudflare from "@pulumi/cloudflare";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { createHash } from "crypto";
import type { ShopSpec } from "../config";

/** Cloudflare's maximum; the shop-health check still watches the expiry date. */
export const ORIGIN_CERT_VALIDITY_DAYS = 5475;

export interface OriginCertificateArgs {
  spec: ShopSpec;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * D5: a Cloudflare Origin CA certificate for every shop hostname, uploaded to Hetzner so the
 * LB terminates TLS for Cloudflare's "Full (strict)" mode. The key never leaves Pulumi state.
 *
 * Adding a hostname must not break `pulumi up` (provider constraints: providerConstraints.ts):
 * - Cloudflare returns `hostnames` in its own order and any difference forces a replace, so the
 *   list is sorted, order-only drift is ignored, and the hostname set is part of the resource's
 *   name: a new set is a new certificate created from the program's list, never from state.
 * - Hetzner certificate names are unique and a new chain forces a replace that runs
 *   create-before-delete (delete-first fails while the LB service still uses the old one), so
 *   the upload is named by the certificate's hash.
 */
export class OriginCertificate extends pulumi.ComponentResource {
  readonly key: tls.PrivateKey;
  readonly request: tls.CertRequest;
  readonly originCa: cloudflare.OriginCaCertificate;
  readonly uploaded: hcloud.UploadedCertificate;
  readonly certificateId: pulumi.Output<number>;
  readonly expiresOn: pulumi.Output<string>;

  constructor(name: string, args: OriginCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:OriginCertificate", name, {}, opts);
    const { spec } = args;
    const hostnames = [...spec.hostnames].sort();
    const hostnameSet = sha256(hostnames.join("\n")).slice(0, 8);
    this.key = new tls.PrivateKey(`${name}-key`, { algorithm: "RSA", rsaBits: 2048 }, { parent: this });
    this.request = new tls.CertRequest(
      `${name}-csr`,
      {
        privateKeyPem: this.key.privateKeyPem,
        dnsNames: hostnames,
        subject: { commonName: spec.primaryHost, organization: spec.customer },
      },
      { parent: this },
    );
    this.originCa = new cloudflare.OriginCaCertificate(
      `${name}-origin-ca-${hostnameSet}`,
      { csr: this.request.certRequestPem, hostnames, requestType: "origin-rsa", requestedValidity: ORIGIN_CERT_VALIDITY_DAYS },
      { parent: this, ignoreChanges: ["hostnames"] },
    );
    this.uploaded = new hcloud.UploadedCertificate(
      `${name}-uploaded`,
      {
        name: this.originCa.certificate.apply((pem) => `${spec.stack}-origin-${sha256(pem.trim()).slice(0, 12)}`),
        certificate: this.originCa.certificate,
        privateKey: pulumi.secret(this.key.privateKeyPem),
        labels: spec.labels,
      },
      { parent: this },
    );
    this.certificateId = this.uploaded.id.apply(Number);
    this.expiresOn = this.originCa.expiresOn;
    this.registerOutputs({ certificateId: this.certificateId, expiresOn: this.expiresOn });
  }
}
