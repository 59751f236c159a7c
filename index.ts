import * as pulumi from "@pulumi/pulumi";
import { ShopHosting } from "./components/shop";
import { specFromPulumiConfig } from "./components/spec/engine";

const { spec, warnings } = specFromPulumiConfig();
for (const w of warnings) pulumi.log.warn(w);

const shop = new ShopHosting(spec.stack, { spec });

export const urls = shop.urls;
export const loadBalancer = { ipv4: shop.loadBalancer.ipv4, ipv6: shop.loadBalancer.ipv6, privateIp: spec.network.lbPrivateIp };
export const hosts = shop.hosts;
