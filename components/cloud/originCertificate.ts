import * as cloudflare from "@pulumi/cloudflare";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { ShopSpec } from "../config";

/** Cloudflare's maximum; the shop-health check still watches the expiry date. */
export const ORIGIN_CERT_VALIDITY_DAYS = 5475;

export interface OriginCertificateArgs {
  spec: ShopSpec;
}

/**
 * D5: a Cloudflare Origin CA certificate for every shop hostname, uploaded to Hetzner so the
 * LB terminates TLS for Cloudflare's "Full (strict)" mode. The key never leaves Pulumi state.
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
    this.key = new tls.PrivateKey(`${name}-key`, { algorithm: "RSA", rsaBits: 2048 }, { parent: this });
    this.request = new tls.CertRequest(
      `${name}-csr`,
      {
        privateKeyPem: this.key.privateKeyPem,
        dnsNames: spec.hostnames,
        subject: { commonName: spec.primaryHost, organization: spec.customer },
      },
      { parent: this },
    );
    this.originCa = new cloudflare.OriginCaCertificate(
      `${name}-origin-ca`,
      { csr: this.request.certRequestPem, hostnames: spec.hostnames, requestType: "origin-rsa", requestedValidity: ORIGIN_CERT_VALIDITY_DAYS },
      { parent: this },
    );
    this.uploaded = new hcloud.UploadedCertificate(
      `${name}-uploaded`,
      {
        name: `${spec.stack}-origin`,
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
