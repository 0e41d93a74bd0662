// HeartbeatMissed (critical): a cron job or backup of the spec's `heartbeats` did not report
// success (`vigil-heartbeat NAME`, node/heartbeats.ts) within its `every + grace`. Both series
// arrive in the hub's node scrape of the heartbeat's host (job "node", label host).
//
// When does the deadline run from?
// - From the last success, when there is one.
// - From the heartbeat's declaration on the host (vigil_heartbeat_declared_timestamp_seconds,
//   written by the node step) when it never succeeded: "never seen since it was declared" pages
//   every + grace after the install, never before the first run was due. The time lives on the
//   host, so a Prometheus restart, a rule reload or a rebuilt hub changes nothing: the expression
//   is a pure function of the scraped timestamps and time(), without a `for` to lose.
// - Neither series while the host's node_exporter answers: the node step has not run with this
//   heartbeat (the hub was applied first) or its files were removed. Only Prometheus' own clock
//   is left, so that rule's `for` is every + grace: counted from when this rule first saw the gap,
//   restarted by a Prometheus restart (documented in docs/spec.md).
// A host that does not answer raises HostDown, which inhibits everything of the host.
import { durationSeconds, formatDuration } from "../../schema/durations.ts";
import type { Heartbeat, Spec } from "../../schema/spec-schema.ts";
import { DECLARED_METRIC, HEARTBEAT_COMMAND, LAST_SUCCESS_METRIC } from "../node/heartbeats.ts";
import { monitoredNodes } from "./host-rules.ts";
import { alertLabels, matchers, NODE_JOB, type AlertingRule, type RuleGroup } from "./rule-file.ts";

export const HEARTBEAT_ALERT = "HeartbeatMissed";

/** every + grace of a heartbeat, in seconds: how long after a success (or the declaration) it pages. */
export const heartbeatDeadlineSeconds = (beat: Heartbeat): number => durationSeconds(beat.every) + durationSeconds(beat.grace);

function heartbeatRules(spec: Spec, beat: Heartbeat): AlertingRule[] {
  const sel = matchers({ job: NODE_JOB, host: beat.host, heartbeat: beat.name });
  const deadline = heartbeatDeadlineSeconds(beat);
  const by = "max by (host, heartbeat)";
  const schedule = `every ${beat.every} with a grace of ${beat.grace}`;
  const labels = alertLabels(spec, "critical");
  return [
    {
      alert: HEARTBEAT_ALERT,
      expr: `time() - (${by} (${LAST_SUCCESS_METRIC}{${sel}}) or ${by} (${DECLARED_METRIC}{${sel}})) > ${deadline}`,
      labels,
      annotations: {
        summary: "Heartbeat {{ $labels.heartbeat }} on {{ $labels.host }}: no success for {{ $value | humanizeDuration }}",
        description:
          `The job must report success (${HEARTBEAT_COMMAND} ${beat.name}) ${schedule}; the last success, or the heartbeat's declaration on the host ` +
          "if it never succeeded, is older than that. The job did not run, failed, or ran without calling vigil-heartbeat.",
      },
    },
    {
      alert: HEARTBEAT_ALERT,
      expr:
        `(${by} (absent(${DECLARED_METRIC}{${sel}})) unless on (host, heartbeat) ${by} (${LAST_SUCCESS_METRIC}{${sel}}))\n` +
        `and on (host) max by (host) (up{${matchers({ job: NODE_JOB, host: beat.host })}}) == 1`,
      for: formatDuration(deadline),
      labels,
      annotations: {
        summary: "Heartbeat {{ $labels.heartbeat }} on {{ $labels.host }} was never declared on the host",
        description:
          `The host answers but publishes neither a success nor the declaration of ${beat.name} (${schedule}): ` +
          "apply the spec to the host (vigil apply), which installs vigil-heartbeat and declares it.",
      },
    },
  ];
}

export function heartbeatRuleGroups(spec: Spec): RuleGroup[] {
  const nodes = new Set(monitoredNodes(spec).map((h) => h.name));
  const beats = spec.heartbeats.filter((b) => nodes.has(b.host));
  if (beats.length === 0) return [];
  return [{ name: "vigil-heartbeat", rules: beats.flatMap((b) => heartbeatRules(spec, b)) }];
}
