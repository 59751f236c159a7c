/**
 * What the real providers refuse, for every resource type the program declares with a name or
 * key the API keeps unique. The offline plan cannot see these rules (mocks accept anything), so
 * test/unit/provider-constraints.test.ts checks every day-2 change the README promises against
 * this table: an input in `replaceOn` that changes means a replacement, which Pulumi runs
 * create-before-delete unless `deleteBeforeReplace` is set, so the new resource must differ from
 * the old one in every `unique` key, or be allowed to go first (`deleteFirstSafe`).
 *
 * Read from the upstream Terraform providers that @pulumi/hcloud and @pulumi/cloudflare bridge
 * (ForceNew / RequiresReplace in each resource's schema), at the commits in the links; the
 * input names are the Pulumi SDKs' (camelCase), which the test checks against their .d.ts.
 */
export interface ProviderConstraint {
  /** Pulumi type token, as in plan.json. */
  type: string;
  /** Inputs whose change forces a replacement. */
  replaceOn: string[];
  /** Input tuples the API refuses twice (per Hetzner project, per Cloudflare zone). */
  unique: string[][];
  /** Whether deleting the old one first harms nothing: nothing else holds it, no data is lost. */
  deleteFirstSafe: boolean;
  /** Where the rule comes from. */
  source: string;
}

const HCLOUD = "https://github.com/hetznercloud/terraform-provider-hcloud/blob/f81c9af4bfcc491f8b43f800c853fb77f8a7b792/internal";
const CLOUDFLARE = "https://github.com/cloudflare/terraform-provider-cloudflare/blob/a2efdc5786ae9726d56928dbfe91933bd92404ca/internal/services";

export const providerConstraints: ProviderConstraint[] = [
  {
    type: "hcloud:index/server:Server",
    replaceOn: ["image", "location", "userData", "sshKeys"],
    unique: [["name"]],
    // The LB targets servers by label and firewalls attach by label: nothing holds a server id.
    deleteFirstSafe: true,
    source: `${HCLOUD}/server/resource.go#L54-L113 (image, location, user_data, ssh_keys: ForceNew); names are unique per project`,
  },
  {
    type: "hcloud:index/loadBalancer:LoadBalancer",
    replaceOn: ["location", "networkZone"],
    unique: [["name"]],
    deleteFirstSafe: false,
    source: `${HCLOUD}/loadbalancer/resource.go#L48-L58 (location, network_zone: ForceNew)`,
  },
  {
    type: "hcloud:index/firewall:Firewall",
    replaceOn: [],
    unique: [["name"]],
    // Deleting first would leave the servers unfiltered until the new one applies.
    deleteFirstSafe: false,
    source: `${HCLOUD}/firewall/resource.go#L34 (no ForceNew input; rules and apply_to update in place)`,
  },
  {
    type: "hcloud:index/placementGroup:PlacementGroup",
    replaceOn: [],
    unique: [["name"]],
    deleteFirstSafe: false,
    source: `${HCLOUD}/placementgroup/resource.go#L29-L60 (no ForceNew input; the name updates in place)`,
  },
  {
    type: "hcloud:index/uploadedCertificate:UploadedCertificate",
    replaceOn: ["certificate", "privateKey"],
    unique: [["name"]],
    // The LB's HTTPS service uses it: the API refuses to delete a certificate in use.
    deleteFirstSafe: false,
    source: `${HCLOUD}/certificate/resource.go#L62-L80 (private_key, certificate: ForceNew)`,
  },
  {
    type: "hcloud:index/sshKey:SshKey",
    replaceOn: ["publicKey"],
    // Hetzner also refuses the same key (fingerprint) twice in one project.
    unique: [["name"], ["publicKey"]],
    deleteFirstSafe: true,
    source: `${HCLOUD}/sshkey/resource.go#L68-L74 (public_key: RequiresReplace)`,
  },
  {
    type: "hcloud:index/storageBox:StorageBox",
    replaceOn: ["location", "sshKeys"],
    unique: [["name"]],
    // A replaced box loses every backup in it.
    deleteFirstSafe: false,
    source: `${HCLOUD}/storagebox/resource.go#L101-L122 (location, ssh_keys: RequiresReplace)`,
  },
  {
    type: "hcloud:index/storageBoxSubaccount:StorageBoxSubaccount",
    replaceOn: ["storageBoxId"],
    unique: [["storageBoxId", "name"]],
    deleteFirstSafe: false,
    source: `${HCLOUD}/storageboxsubaccount/resource.go#L80-L86 (storage_box_id: RequiresReplace)`,
  },
  {
    type: "hcloud:index/network:Network",
    replaceOn: ["ipRange"],
    unique: [["name"]],
    // Every server and the LB are attached to it.
    deleteFirstSafe: false,
    source: `${HCLOUD}/network/resource.go#L37-L41 (ip_range: ForceNew)`,
  },
  {
    type: "cloudflare:index/originCaCertificate:OriginCaCertificate",
    replaceOn: ["csr", "hostnames", "requestType", "requestedValidity"],
    unique: [],
    deleteFirstSafe: false,
    source: `${CLOUDFLARE}/origin_ca_certificate/schema.go#L32-L66 (csr, request_type, hostnames, requested_validity: RequiresReplace)`,
  },
  {
    type: "cloudflare:index/dnsRecord:DnsRecord",
    replaceOn: ["zoneId", "type"],
    // 81058 (identical record) / 81053 (an A, AAAA or CNAME of that name exists).
    unique: [["zoneId", "name", "type"]],
    deleteFirstSafe: false,
    source: `${CLOUDFLARE}/dns_record/schema.go#L44-L98 (zone_id, type: RequiresReplace)`,
  },
  {
    type: "cloudflare:index/ruleset:Ruleset",
    replaceOn: ["accountId", "zoneId", "kind", "name", "phase"],
    // One entry-point ruleset per zone and phase (20217).
    unique: [["zoneId", "phase"]],
    deleteFirstSafe: true,
    source: `${CLOUDFLARE}/ruleset/schema.go#L48-L123 (account_id, zone_id, kind, name, phase: RequiresReplace)`,
  },
];

export function constraintOf(type: string): ProviderConstraint | undefined {
  return providerConstraints.find((c) => c.type === type);
}
