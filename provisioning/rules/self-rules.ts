// The monitoring stack watching itself: a rule that cannot be evaluated, notifications that do
// not reach Alertmanager or leave it, a config reload that failed, and a broken Alertmanager pair
// all fail silently otherwise. Each hub scrapes its own Prometheus (job "prometheus") and
// Alertmanager (job "alertmanager") over loopback, labelled host=<hub name> (prometheus.ts).
// PrometheusRuleFailures, PrometheusNotificationsFailing, PrometheusConfigReloadFailed,
// AlertmanagerNotificationsFailing, AlertmanagerClusterDegraded (pair only).
//
// A hub whose whole pipeline is broken cannot report it: the always-firing VigilWatchdog (to an
// external heartbeat receiver) and, in a pair, the other hub cover that.
import type { Spec } from "../../schema/spec-schema.ts";
import { NOTIFICATION_FAILURE_RATIO, SELF_FAILURE_WINDOW as FAILURE_WINDOW } from "./tunables.ts";
import { ALERTMANAGER_JOB, alertLabels, matchers, PROMETHEUS_JOB, type AlertingRule, type RuleGroup } from "./rule-file.ts";
import { confirmFor } from "../detection-timing.ts";

const PROM = matchers({ job: PROMETHEUS_JOB });
const AM = matchers({ job: ALERTMANAGER_JOB });

export function selfRuleGroups(spec: Spec): RuleGroup[] {
  const hubs = spec.hosts.filter((h) => h.roles.includes("hub"));
  if (hubs.length === 0) return [];
  const cf = confirmFor(spec);
  const ratio = (failed: string, total: string, by: string) =>
    `max by (${by}) (rate(${failed}[${FAILURE_WINDOW}]))\n/ (max by (${by}) (rate(${total}[${FAILURE_WINDOW}])) > 0)\n> ${NOTIFICATION_FAILURE_RATIO}`;
  const rules: AlertingRule[] = [
    {
      alert: "PrometheusRuleFailures",
      expr: `max by (host, rule_group) (increase(prometheus_rule_evaluation_failures_total{${PROM}}[${FAILURE_WINDOW}])) > 0`,
      labels: alertLabels(spec, "critical"),
      annotations: {
        summary: "Prometheus on {{ $labels.host }} fails to evaluate rules of {{ $labels.rule_group }}",
        description:
          `Rule evaluations failed within ${FAILURE_WINDOW} (prometheus_rule_evaluation_failures_total): the alerts of that group cannot fire. ` +
          "Usually a custom rule whose query produces duplicate series; the Prometheus log names the rule.",
      },
    },
    {
      alert: "PrometheusNotificationsFailing",
      expr: ratio(
        `prometheus_notifications_errors_total{${PROM}}`,
        `prometheus_notifications_sent_total{${PROM}}`,
        "host, alertmanager",
      ),
      for: cf,
      labels: alertLabels(spec, "critical"),
      annotations: {
        summary: "Prometheus on {{ $labels.host }} cannot send alerts to {{ $labels.alertmanager }}",
        description:
          `More than ${NOTIFICATION_FAILURE_RATIO * 100}% of the alerts sent to that Alertmanager failed over ${FAILURE_WINDOW}, for ${cf}. ` +
          "In a pair the other Alertmanager still notifies; with one hub, only the external heartbeat (VigilWatchdog) notices.",
      },
    },
    {
      alert: "PrometheusConfigReloadFailed",
      expr: `min by (host) (prometheus_config_last_reload_successful{${PROM}}) == 0`,
      for: cf,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "Prometheus on {{ $labels.host }} runs an old configuration",
        description:
          `The last configuration reload failed, for ${cf}: Prometheus keeps running the previous rules and targets. ` +
          "vigil checks its files with promtool before reloading, so a file edited by hand is the usual cause.",
      },
    },
    {
      alert: "AlertmanagerNotificationsFailing",
      expr: ratio(
        `alertmanager_notifications_failed_total{${AM}}`,
        `alertmanager_notifications_total{${AM}}`,
        "host, integration",
      ),
      for: cf,
      labels: alertLabels(spec, "critical"),
      annotations: {
        summary: "Alertmanager on {{ $labels.host }} fails to notify through {{ $labels.integration }}",
        description:
          `More than ${NOTIFICATION_FAILURE_RATIO * 100}% of the notifications through that integration failed over ${FAILURE_WINDOW}, for ${cf}: ` +
          "a revoked key, a changed webhook or an unreachable mail server. Route critical alerts to two receivers of different kinds.",
      },
    },
  ];
  if (hubs.length === 2) {
    rules.push({
      alert: "AlertmanagerClusterDegraded",
      expr: `min by (host) (alertmanager_cluster_members{${AM}}) < 2`,
      for: cf,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "Alertmanager on {{ $labels.host }} sees {{ $value }} of the 2 pair members",
        description:
          `The Alertmanager pair's gossip is broken for ${cf}: silences and notification state are no longer shared, ` +
          "so both hubs may notify the same alert, and a silence set on one does not reach the other.",
      },
    });
  }
  return [{ name: "vigil-self", rules }];
}
