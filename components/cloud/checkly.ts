import * as checkly from "@checkly/pulumi";
import * as pulumi from "@pulumi/pulumi";
import { HEALTH_CHECK_PATH, type ShopSpec } from "../config";

type Webhook = ShopSpec["monitoring"]["webhooks"][number];

/**
 * The body Checkly posts for each webhook type, from its template variables (ALERT_TYPE is
 * ALERT_FAILURE, ALERT_RECOVERY or ALERT_DEGRADED): Slack's and Teams' incoming-webhook shapes,
 * and for generic receivers the same fields shop-health sends. PagerDuty uses Checkly's own
 * integration with the routing key instead.
 */
export function checklyTemplate(type: Webhook["type"], stack: string): string {
  const title = `[{{ALERT_TYPE}}] ${stack}: {{ALERT_TITLE}} from {{REGION}}`;
  if (type === "slack") return JSON.stringify({ text: `${title} {{RESULT_LINK}}` });
  if (type === "teams")
    return JSON.stringify({
      type: "message",
      attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: { type: "AdaptiveCard", version: "1.4", body: [{ type: "TextBlock", text: title, wrap: true }, { type: "TextBlock", text: "{{RESULT_LINK}}", wrap: true }] } }],
    });
  return JSON.stringify({ source: "checkly", stack, status: "{{ALERT_TYPE}}", title: "{{ALERT_TITLE}}", check: "{{CHECK_NAME}}", region: "{{REGION}}", link: "{{RESULT_LINK}}" });
}

export interface ShopChecklyArgs {
  spec: ShopSpec;
}

/**
 * HW-3 from several public locations with a free plan (monitoring.checkly): one API check of the
 * shop's health endpoint through Cloudflare, as customers reach it, alerting the stack's own
 * webhooks after two failed runs. Credentials are the provider's (checkly:apiKey, checkly:accountId).
 */
export class ShopChecklyChecks extends pulumi.ComponentResource {
  readonly channels: checkly.AlertChannel[] = [];
  readonly checks: checkly.Check[] = [];

  constructor(name: string, args: ShopChecklyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:ShopChecklyChecks", name, {}, opts);
    const { spec } = args;
    const config = spec.monitoring.checkly;
    if (!config) {
      this.registerOutputs({});
      return;
    }
    for (const hook of spec.monitoring.webhooks)
      this.channels.push(
        new checkly.AlertChannel(
          `${name}-${hook.name}`,
          {
            sendFailure: true,
            sendRecovery: true,
            sendDegraded: false,
            sslExpiry: true,
            sslExpiryThreshold: spec.monitoring.thresholds.certExpiryDays,
            ...(hook.type === "pagerduty"
              ? { pagerduty: { serviceKey: pulumi.secret(hook.routingKey?.reveal() ?? ""), serviceName: `${spec.customer}/${spec.stack}` } }
              : { webhook: { name: `${spec.stack}-${hook.name}`, method: "POST", url: pulumi.secret(hook.url.reveal()), template: checklyTemplate(hook.type, spec.stack) } }),
          },
          { parent: this },
        ),
      );
    this.checks.push(
      new checkly.Check(
        `${name}-health`,
        {
          name: `${spec.customer}/${spec.stack}: ${spec.appUrl}${HEALTH_CHECK_PATH}`,
          type: "API",
          activated: true,
          frequency: config.frequencyMinutes,
          locations: config.locations,
          // A failure is retried from another location before it counts: one flaky region does not page.
          doubleCheck: true,
          maxResponseTime: 10_000,
          degradedResponseTime: 3_000,
          tags: [spec.customer, spec.stack, "HW-3"],
          request: {
            method: "GET",
            url: `${spec.appUrl}${HEALTH_CHECK_PATH}`,
            followRedirects: false,
            skipSsl: false,
            assertions: [{ source: "STATUS_CODE", comparison: "EQUALS", target: "200" }],
          },
          useGlobalAlertSettings: false,
          alertSettings: { escalationType: "RUN_BASED", runBasedEscalations: [{ failedRunThreshold: 2 }], reminders: [{ amount: 0 }] },
          alertChannelSubscriptions: this.channels.map((c) => ({ channelId: c.id.apply(Number), activated: true })),
        },
        { parent: this },
      ),
    );
    this.registerOutputs({ checks: this.checks.map((c) => c.id) });
  }
}
