import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { HEALTH_CHECK_PATH, type ShopSpec } from "../config";

export interface ShopMonitoringArgs {
  spec: ShopSpec;
}

/** Probes from western and eastern Europe and eastern North America. */
export const CHECK_REGIONS = ["WEU", "EEU", "ENAM"];

/**
 * HW-3 external checks (needs a paid Cloudflare plan, hence opt-in with
 * monitoring.cloudflareHealthchecks): a multi-region HTTPS health check per shop hostname, and
 * one notification policy that sends status changes to the stack's webhooks.
 * PagerDuty webhooks are left out here: Events v2 wants its own payload, and Cloudflare reaches
 * PagerDuty only through its dashboard integration. shop-health still pages it from the hosts.
 */
export class ShopMonitoring extends pulumi.ComponentResource {
  readonly healthchecks: cloudflare.Healthcheck[] = [];
  readonly destinations: cloudflare.NotificationPolicyWebhooks[] = [];
  readonly policy?: cloudflare.NotificationPolicy;

  constructor(name: string, args: ShopMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:ShopMonitoring", name, {}, opts);
    const { spec } = args;
    if (!spec.monitoring.cloudflareHealthchecks) {
      this.registerOutputs({});
      return;
    }
    for (const domain of spec.domains)
      for (const host of domain.hostnames)
        this.healthchecks.push(
          new cloudflare.Healthcheck(
            `${host}-healthcheck`,
            {
              zoneId: domain.zoneId,
              name: `${spec.stack}-${host.replace(/\./g, "-")}`,
              description: `Shopware health of https://${host}${HEALTH_CHECK_PATH} (HW-3)`,
              address: host,
              type: "HTTPS",
              checkRegions: CHECK_REGIONS,
              interval: 60,
              timeout: 5,
              retries: 2,
              consecutiveFails: 2,
              consecutiveSuccesses: 2,
              httpConfig: {
                method: "GET",
                port: 443,
                path: HEALTH_CHECK_PATH,
                expectedCodes: ["200"],
                followRedirects: false,
                allowInsecure: false,
                header: { Host: [host] },
              },
            },
            { parent: this },
          ),
        );

    // Notification destinations belong to the account, which the zone names.
    const accountId = cloudflare.getZoneOutput({ zoneId: spec.domains[0].zoneId }, { parent: this }).account.id;
    for (const hook of spec.monitoring.webhooks.filter((w) => w.type !== "pagerduty"))
      this.destinations.push(
        new cloudflare.NotificationPolicyWebhooks(
          `${name}-${hook.name}`,
          { accountId, name: `${spec.stack}-${hook.name}`, url: pulumi.secret(hook.url.reveal()) },
          { parent: this },
        ),
      );
    if (this.destinations.length > 0)
      this.policy = new cloudflare.NotificationPolicy(
        `${name}-healthchecks`,
        {
          accountId,
          name: `${spec.customer}/${spec.stack}: shop health checks`,
          description: "Health check status changes of the shop URLs (HW-3)",
          alertType: "health_check_status_notification",
          enabled: true,
          filters: { healthCheckIds: this.healthchecks.map((h) => h.id) },
          mechanisms: { webhooks: this.destinations.map((d) => ({ id: d.id })) },
        },
        { parent: this },
      );
    this.registerOutputs({ healthchecks: this.healthchecks.map((h) => h.id) });
  }
}
