// AppScrapeDown: an application metrics endpoint (spec hosts[].scrape, job "app", labels host and
// app) that stops answering. Critical: every custom rule on that app goes blind with it. HostDown
// inhibits it when the whole host is gone (alertmanager.ts).
import type { Spec } from "../../schema/spec-schema.ts";
import { alertLabels, APP_JOB, matchers, type RuleGroup } from "./rule-file.ts";
import { confirmFor } from "../detection-timing.ts";

export function appRuleGroups(spec: Spec): RuleGroup[] {
  if (!spec.hosts.some((h) => h.scrape.length > 0)) return [];
  const cf = confirmFor(spec);
  return [
    {
      name: "vigil-app",
      rules: [
        {
          alert: "AppScrapeDown",
          expr: `max by (host, app) (up{${matchers({ job: APP_JOB })}}) == 0`,
          for: cf,
          labels: alertLabels(spec, "critical"),
          annotations: {
            summary: "Metrics endpoint of {{ $labels.app }} on {{ $labels.host }} does not answer",
            description:
              `The hub could not scrape the application's metrics for ${cf}: the app is down, stopped serving /metrics, or its port is blocked. ` +
              "Alerts on its own metrics cannot fire meanwhile.",
          },
        },
      ],
    },
  ];
}
