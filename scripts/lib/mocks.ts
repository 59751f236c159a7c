import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { OFFLINE_SECRET_MARKER, ShopSpec } from "../../components/config";
import { cloudflareFallbackRanges } from "../../components/config/cloudflareRanges";

/** One declared resource as plan.json lists it (docs/design.md §5). */
export interface PlannedResource {
  type: string;
  name: string;
  parent: string | null;
  inputs: Record<string, unknown>;
  /** Set only where the program sets them: what a reviewer needs to judge replacement and order. */
  options?: { dependsOn?: string[]; ignoreChanges?: string[]; protect?: boolean; deleteBeforeReplace?: boolean };
}

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** What plan.json writes for a value the engine knows only after apply (preview mode). */
export const UNKNOWN = "[unknown]";

/** Replaces every secret the engine would hide with "[secret]", and an unknown with "[unknown]". */
export function redact(value: unknown): unknown {
  if (pulumi.isUnknown(value)) return UNKNOWN;
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG_KEY] === SECRET_SIG) return "[secret]";
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, redact(v)]));
  }
  if (typeof value === "string" && value.includes(OFFLINE_SECRET_MARKER)) return "[secret]";
  return value;
}

/**
 * Assets in plan.json: a file asset by path, an archive by its entries, a text asset by its
 * size and sha256 (its text is a promise, and may be large: the hash says whether it changed).
 */
async function describeAssets(value: unknown): Promise<unknown> {
  if (pulumi.isUnknown(value)) return value;
  if (Array.isArray(value)) return Promise.all(value.map(describeAssets));
  if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) {
    const v = value as unknown as { assets?: Record<string, unknown>; path?: Promise<string>; text?: Promise<string> };
    if (v.assets) return { archive: Object.keys(await v.assets).sort() };
    if (v.path) return { file: await v.path };
    const text = String((await v.text) ?? "");
    return { text: { bytes: Buffer.byteLength(text), sha256: createHash("sha256").update(text).digest("hex") } };
  }
  if (value && typeof value === "object")
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await describeAssets(v)])));
  return value;
}

/**
 * Computed values a real apply would return, so plan.json has no unknowns:
 * numeric hcloud ids, TEST-NET-3 public IPs (203.0.113.0/24), IPv6 from 2001:db8::/32,
 * private IPs taken from the inputs (the spec fixes them).
 *
 * In preview mode the mocks answer as the engine does in a `pulumi preview` of a new stack:
 * a resource's outputs are its inputs, and its id and every computed output stay unknown.
 */
export class PlanMocks implements pulumi.runtime.Mocks {
  readonly resources: PlannedResource[] = [];
  private nextServerIp = 10;
  private nextLbIp = 100;

  constructor(
    private readonly spec: ShopSpec,
    readonly preview = false,
  ) {}

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, unknown> }> {
    const inputs = args.inputs as Record<string, unknown>;
    // Numeric like hcloud's, and a function of the resource alone: registration order varies
    // with timing, and a plan that differs in one place must keep every other id (and every
    // input that carries one) the same.
    const id = String(1_000_000 + (parseInt(createHash("sha256").update(`${args.type}::${args.name}`).digest("hex").slice(0, 8), 16) % 9_000_000));
    const state: Record<string, unknown> = this.preview ? { ...inputs } : { ...inputs, ...this.computed(args.type, id, inputs) };
    // Recorded before any await, so plan.json lists resources in registration order.
    const planned: PlannedResource = { type: args.type, name: args.name, parent: null, inputs: {} };
    this.resources.push(planned);
    planned.inputs = redact(await describeAssets(inputs)) as Record<string, unknown>;
    const resolvedId = args.type === "hcloud:index/networkSubnet:NetworkSubnet" ? `${String(inputs.networkId)}-${String(inputs.ipRange)}` : id;
    return { id: this.preview ? undefined : resolvedId, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    if (args.token === "cloudflare:index/getIpRanges:getIpRanges")
      return { ipv4Cidrs: cloudflareFallbackRanges.ipv4, ipv6Cidrs: cloudflareFallbackRanges.ipv6, etag: "offline", id: "offline" };
    if (args.token === "cloudflare:index/getZone:getZone") {
      // The account id is what the monitoring component needs; a stable fake derived from the zone.
      const zoneId = String(args.inputs.zoneId);
      const accountId = createHash("sha256").update(`account:${zoneId}`).digest("hex").slice(0, 32);
      const zone = this.spec.domains.find((d) => d.zoneId === zoneId);
      return { id: zoneId, zoneId, name: zone?.zone ?? "offline.example", status: "active", account: { id: accountId, name: `${this.spec.customer} (offline)` } };
    }
    return {};
  }

  private computed(type: string, id: string, inputs: Record<string, unknown>): Record<string, unknown> {
    // Issued documents follow what they were issued for, as the real ones do: a new hostname
    // gives a new CSR and certificate, an unchanged stack the same ones.
    const digestOf = (...keys: string[]) => createHash("sha256").update(JSON.stringify(keys.map((k) => inputs[k]))).digest("hex").slice(0, 32);
    const secret = (what: string) => `${OFFLINE_SECRET_MARKER}:${what}:${id}`;
    switch (type) {
      case "hcloud:index/server:Server": {
        const n = this.nextServerIp++;
        return { ipv4Address: `203.0.113.${n}`, ipv6Address: `2001:db8:0:${n.toString(16)}::1`, ipv6Network: `2001:db8:0:${n.toString(16)}::/64`, status: "running" };
      }
      case "hcloud:index/loadBalancer:LoadBalancer": {
        const n = this.nextLbIp++;
        return { ipv4: `203.0.113.${n}`, ipv6: `2001:db8:1:${n.toString(16)}::1`, networkZone: this.spec.networkZone };
      }
      case "tls:index/privateKey:PrivateKey": {
        const fingerprint = createHash("sha256").update(id).digest("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 43);
        return {
          publicKeyOpenssh: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA${fingerprint}\n`,
          publicKeyPem: `-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA${fingerprint}\n-----END PUBLIC KEY-----\n`,
          privateKeyPem: secret("private-key"),
          privateKeyOpenssh: secret("private-key"),
        };
      }
      case "tls:index/certRequest:CertRequest":
        return { certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\noffline-csr-${digestOf("dnsNames", "subject")}\n-----END CERTIFICATE REQUEST-----\n` };
      case "cloudflare:index/originCaCertificate:OriginCaCertificate":
        return {
          certificate: `-----BEGIN CERTIFICATE-----\noffline-origin-ca-${digestOf("csr", "hostnames", "requestedValidity")}\n-----END CERTIFICATE-----\n`,
          expiresOn: new Date(Date.UTC(2041, 0, 1)).toISOString(),
        };
      case "random:index/randomPassword:RandomPassword":
        return { result: secret("password"), bcryptHash: secret("bcrypt") };
      case "hcloud:index/storageBox:StorageBox":
        return { server: `u${id}.your-storagebox.de`, username: `u${id}` };
      case "hcloud:index/storageBoxSubaccount:StorageBoxSubaccount":
        return { server: `u${id}-sub.your-storagebox.de`, username: `u${id}-sub${id.slice(-1)}` };
      default:
        return {};
    }
  }
}
