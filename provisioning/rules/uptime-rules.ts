// Alerts from the hub's blackbox probes (job "uptime", one target per spec `uptime` check, label
// check=<name>): UptimeProbeFailed, UptimeProbeSlow, TlsCertificateExpiring.
import type { Spec, UptimeCheck } from "../../schema/spec-schema.ts";
import { alertLabels, confirmFor, matchers, num, str, UPTIME_JOB, type AlertingRule, type RuleGroup } from "./rule-file.ts";
import { TLS_CRITICAL_DAYS, UPTIME_SLOW_WINDOW } from "./tunables.ts";

const JOB = matchers({ job: UPTIME_JOB });

const checkSel = (check: UptimeCheck) => `${JOB},check=${str(check.name)}`;

export function uptimeRuleGroups(spec: Spec): RuleGroup[] {
  if (spec.uptime.length === 0) return [];
  const cf = confirmFor(spec);
  const rules: AlertingRule[] = [
    {
      alert: "UptimeProbeFailed",
      expr: `max by (check) (probe_success{${JOB}}) == 0\nor\nmax by (check) (up{${JOB}}) == 0`,
      for: cf,
      labels: alertLabels(spec, "critical"),
      annotations: {
        summary: "Uptime check {{ $labels.check }} fails",
        description:
          `Every probe of {{ $labels.check }} from the hub failed for ${cf} (connection, status code or TLS verification), ` +
          "or the hub's blackbox exporter does not answer, so the check's state is unknown.",
      },
    },
  ];
  const slow = spec.uptime.filter((c) => c.latencyMs !== undefined);
  if (slow.length > 0) {
    rules.push({
      alert: "UptimeProbeSlow",
      expr: slow
        .map(
          (c) =>
            `max by (check) (avg_over_time(probe_duration_seconds{${checkSel(c)}}[${UPTIME_SLOW_WINDOW}])) > ${num(c.latencyMs! / 1000)}\n` +
            `and on (check) max by (check) (probe_success{${checkSel(c)}}) == 1`,
        )
        .join("\nor\n"),
      for: cf,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "Uptime check {{ $labels.check }} is slow ({{ $value | humanizeDuration }})",
        description:
          `The mean probe duration over ${UPTIME_SLOW_WINDOW} is above the check's latencyMs, for ${cf}, while probes still succeed ` +
          "(a failing probe's duration is its timeout; UptimeProbeFailed reports that).",
      },
    });
  }
  const tls = spec.uptime.filter((c) => c.sslExpiryDays !== undefined);
  const left = (c: UptimeCheck) => `min by (check) (probe_ssl_earliest_cert_expiry{${checkSel(c)}}) - time()`;
  const warn = tls.filter((c) => c.sslExpiryDays! > TLS_CRITICAL_DAYS);
  if (warn.length > 0) {
    rules.push({
      alert: "TlsCertificateExpiring",
      expr: warn
        .map((c) => `${left(c)} < ${c.sslExpiryDays! * 86400}\nand on (check) ${left(c)} >= ${TLS_CRITICAL_DAYS * 86400}`)
        .join("\nor\n"),
      for: cf,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "TLS certificate of {{ $labels.check }} expires in {{ $value | humanizeDuration }}",
        description: `A certificate in the chain served to the probe expires within the check's sslExpiryDays; critical below ${TLS_CRITICAL_DAYS} days.`,
      },
    });
  }
  if (tls.length > 0) {
    rules.push({
      alert: "TlsCertificateExpiring",
      expr: tls.map((c) => `${left(c)} < ${TLS_CRITICAL_DAYS * 86400}`).join("\nor\n"),
      for: cf,
      labels: alertLabels(spec, "critical"),
      annotations: {
        summary: "TLS certificate of {{ $labels.check }} expires in {{ $value | humanizeDuration }}",
        description: `A certificate in the chain served to the probe expires within ${TLS_CRITICAL_DAYS} days (or has expired).`,
      },
    });
  }
  return [{ name: "vigil-uptime", rules }];
}
