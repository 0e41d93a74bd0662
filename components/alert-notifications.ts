// Who DigitalOcean's own alerts (uptime alerts, monitor alerts) notify: the spec's email
// receivers (their addresses) and Slack receivers (webhook secret + channel). PagerDuty and
// generic webhooks have no DigitalOcean equivalent; those stay with Alertmanager on the hub.
import * as pulumi from "@pulumi/pulumi";
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

/** The spec's email and Slack receivers as DigitalOcean notification targets. */
export function alertNotifications(spec: Spec, secret: (name: string) => pulumi.Output<string>): AlertNotifications {
  const emails: string[] = [];
  const slacks: SlackNotification[] = [];
  for (const receiver of Object.values(spec.alerts.receivers)) {
    for (const to of receiver.email?.to ?? []) if (!emails.includes(to)) emails.push(to);
    if (receiver.slack) slacks.push({ channel: receiver.slack.channel ?? DEFAULT_SLACK_CHANNEL, url: secret(receiver.slack.webhook.secret) });
  }
  return { emails, slacks };
}

export const hasNotifications = (n: AlertNotifications): boolean => n.emails.length > 0 || n.slacks.length > 0;
