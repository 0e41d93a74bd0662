// LogErrorsSpike: a burst of `error` lines in one log (hosts[].logs, counted by mtail on the node,
// node/mtail.ts). Every PM2 source counts its error-log lines as pattern "error"; a files or
// journal source does when one of its counts is named "error". Warning: a burst of errors is a
// symptom to look at, the page comes from the app's own rules and AppScrapeDown.
import type { Spec } from "../../schema/spec-schema.ts";
import { alertLabels, MTAIL_JOB, matchers, type RuleGroup } from "./rule-file.ts";
import { confirmFor } from "../detection-timing.ts";
import { LOG_ERRORS_WINDOW } from "./tunables.ts";
import { ERROR_PATTERN, LOG_LINES_METRIC } from "../node/mtail.ts";
import { num } from "./rule-file.ts";

export function logRuleGroups(spec: Spec): RuleGroup[] {
  if (!spec.hosts.some((h) => h.logs.length > 0)) return [];
  const limit = spec.thresholds.logErrors;
  return [
    {
      name: "vigil-logs",
      rules: [
        {
          alert: "LogErrorsSpike",
          // The counters exist (at 0) from mtail's start, so increase() sees the first burst too.
          expr: `sum by (host, log) (increase(${LOG_LINES_METRIC}{${matchers({ job: MTAIL_JOB, pattern: ERROR_PATTERN })}}[${LOG_ERRORS_WINDOW}])) > ${num(limit)}`,
          for: confirmFor(spec),
          labels: alertLabels(spec, "warning"),
          annotations: {
            summary: "Burst of errors in log {{ $labels.log }} on {{ $labels.host }}",
            description: `{{ $value | printf "%.0f" }} error lines within ${LOG_ERRORS_WINDOW} (threshold ${num(limit)}, thresholds.logErrors).`,
          },
        },
      ],
    },
  ];
}
