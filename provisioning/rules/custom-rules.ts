// The spec's own alert rules (`rules:`), on the application's metrics: one rule file,
// vigil-rules/custom.yml, group "vigil-custom". Each carries severity and environment like every
// built-in alert, so the spec's routes and inhibitions apply to it unchanged. The expression was
// parsed at validate time (schema/promql.ts) and is placed as data in YAML, never spliced into
// another query. `vigil test` runs the user's promtool tests against this file (bin/commands/test.ts).
import type { AlertRule, Spec } from "../../schema/spec-schema.ts";
import { alertLabels, type AlertingRule, type RuleGroup } from "./rule-file.ts";
import { confirmFor } from "../detection-timing.ts";

export const CUSTOM_GROUP = "vigil-custom";

function customRule(spec: Spec, rule: AlertRule): AlertingRule {
  return {
    alert: rule.alert,
    expr: rule.expr,
    for: rule.for ?? confirmFor(spec),
    labels: alertLabels(spec, rule.severity, rule.labels),
    annotations: {
      summary: rule.summary,
      ...(rule.description !== undefined ? { description: rule.description } : {}),
      ...(rule.runbook !== undefined ? { runbook_url: rule.runbook } : {}),
    },
  };
}

export function customRuleGroups(spec: Spec): RuleGroup[] {
  if (spec.rules.length === 0) return [];
  return [{ name: CUSTOM_GROUP, rules: spec.rules.map((r) => customRule(spec, r)) }];
}
