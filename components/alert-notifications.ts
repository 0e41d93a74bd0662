// Who DigitalOcean's own alerts (uptime alerts, monitor alerts) notify: `cloudAlerts`, or the
// e-mail addresses and Slack receivers (webhook secret + channel) critical alerts are routed to
// (schema/alert-routing.ts). PagerDuty and generic webhooks have no DigitalOcean equivalent; those
// stay with Alertmanager on the hub.
import * as pulumi from "@pulumi/pulumi";
import { cloudAlertTargets } from "../schema/alert-routing.ts";
import type { Spec } from "../schema/spec-schema.ts";

/** One Slack destination of a DigitalOcean alert. */
export interface SlackNotification {
  /** The channel DigitalOcean names in its request (Slack apps post to the webhook's own channel). */
  channel: string;
  /** The incoming-webhook URL: a secret. */
  url: pulumi.Output<string>;
}

/** Where DigitalOcean alerts go; both lists may be empty (then no DigitalOcean alert is created). */
export interface AlertNotifications {
  /** Email addresses, deduplicated, in spec order. */
  emails: string[];
  /** Slack webhooks, one per Slack receiver. */
  slacks: SlackNotification[];
}

/** Channel used when a Slack receiver names none: DigitalOcean requires one. */
export const DEFAULT_SLACK_CHANNEL = "#alerts";

/** The spec's DigitalOcean alert recipients as notification targets, Slack webhooks resolved. */
export function alertNotifications(spec: Spec, secret: (name: string) => pulumi.Output<string>): AlertNotifications {
  const targets = cloudAlertTargets(spec);
  const slacks = targets.slackReceivers.map((name): SlackNotification => {
    const slack = spec.alerts.receivers[name]!.slack!;
    return { channel: slack.channel ?? DEFAULT_SLACK_CHANNEL, url: secret(slack.webhook.secret) };
  });
  return { emails: targets.emails, slacks };
}

export const hasNotifications = (n: AlertNotifications): boolean => n.emails.length > 0 || n.slacks.length > 0;
