// VigilWatchdog: always firing, so a receiver that stops getting it knows the alerting path
// (Prometheus → Alertmanager → receiver) is broken. hub/alertmanager.ts routes it to
// `alerts.heartbeat` (and nowhere else).
import type { Spec } from "../../schema/spec-schema.ts";
import { alertLabels, type RuleGroup } from "./rule-file.ts";

export const WATCHDOG_ALERT = "VigilWatchdog";

export function watchdogRuleGroups(spec: Spec): RuleGroup[] {
  return [
    {
      name: "vigil-watchdog",
      rules: [
        {
          alert: WATCHDOG_ALERT,
          expr: "vector(1)",
          labels: alertLabels(spec, "info"),
          annotations: {
            summary: "vigil's alerting pipeline is alive",
            description:
              "Always firing. A heartbeat service expects it every few minutes and raises its own alarm when it stops: then Prometheus, Alertmanager or the hub is down.",
          },
        },
      ],
    },
  ];
}
