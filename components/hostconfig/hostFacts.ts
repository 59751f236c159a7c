import type { BundleRenderer } from "./types";

/** Host facts that scripts, monitoring and the runbook read on the host. */
export const hostFacts: BundleRenderer = (spec, node) => [
  {
    path: "/etc/shop/host.json",
    mode: "0644",
    owner: "root:root",
    content:
      JSON.stringify(
        {
          customer: spec.customer,
          stack: spec.stack,
          host: node.name,
          roles: node.roles,
          privateIp: node.privateIp,
          serverType: node.serverType,
          cores: node.facts.cores,
          memoryGb: node.facts.memoryGb,
          location: node.location,
          lbPrivateIp: spec.network.lbPrivateIp,
          appUrl: spec.appUrl,
          shopware: spec.shopware.version,
        },
        null,
        2,
      ) + "\n",
  },
];
