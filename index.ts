import * as pulumi from "@pulumi/pulumi";
import { buildRunbook } from "./components/runbook/data";
import { ShopHosting } from "./components/cloud/shop";
import { specFromPulumiConfig } from "./components/cloud/engineSpec";

const { spec, warnings } = specFromPulumiConfig();
for (const w of warnings) pulumi.log.warn(w);

const shop = new ShopHosting(spec.stack, { spec });

export const urls = shop.urls;
export const loadBalancer = { ipv4: shop.loadBalancer.ipv4, ipv6: shop.loadBalancer.ipv6, privateIp: spec.network.lbPrivateIp };
export const hosts = shop.hosts;
/** OPS-2: contacts, hosts, access and procedures in one place (rendered to runbook.md by the offline plan). */
export const runbook = pulumi.output({ hosts, lb: loadBalancer }).apply(({ hosts, lb }) => buildRunbook(spec, hosts, lb));
