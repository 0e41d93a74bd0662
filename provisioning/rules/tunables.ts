// The tunables of the hub's alert rules, in one place, the way node-mixin keeps config.libsonnet.
// The spec sets what a team decides (thresholds, their `for`, SLO objectives and windows); these
// are the choices behind every rule that the spec does not expose, each with the reason for its
// value. Changing one changes the rendered rule files: the golden renders (test/golden) and the
// promtool rule tests (test/hub-role/fixtures) say what moved.
import type { Severity } from "../../schema/spec-schema.ts";

/** A span of time counted in scrapes of the spec's `intervals.scrape`, with a floor. */
export interface ScrapeSpan {
  scrapes: number;
  minSeconds: number;
}

// The confirm window (`for` of state alerts), AgentDown's staleness, the agent's interval and the
// group wait follow the spec's alerts.confirm and intervals: their home is detection-timing.ts.

/**
 * Rate window of CPU usage (HostCpuHigh): four scrapes, at least 2m. rate() needs two samples;
 * four keep the rate defined through one missed scrape. The threshold's `for` smooths further.
 */
export const CPU_RATE_WINDOW: ScrapeSpan = { scrapes: 4, minSeconds: 120 };

/** HostDiskWillFill: a straight line through recent free space, reaching zero within thresholds.diskFillHours. */
export const DISK_FILL = {
  /** The line is fitted over this share of the horizon: long enough to be a trend, short enough to follow a change. */
  lookbackShare: 1 / 4,
  /** ...but over at least an hour (fewer samples make a noisy line)... */
  minLookbackSeconds: 3600,
  /** ...and at most a day (predict_linear over days reads a lot of samples for no better answer). */
  maxLookbackSeconds: 86400,
  /** Only while less than this share of the disk is free: a mostly empty disk with a burst of writes is noise. */
  maxFreePercent: 40,
  /** Only after the prediction held this long: a log rotation or a backup burst is not a trend. */
  for: "30m",
} as const;

/** Filesystem types that never fill a disk (pseudo, in-memory, read-only images): excluded from disk alerts. */
export const PSEUDO_FILESYSTEMS = "tmpfs|ramfs|devtmpfs|squashfs|overlay|iso9660|nsfs|fuse[.].*";

/**
 * Pm2AppRestarting: this many restarts within `window`. A deploy restarts an app once; three is a
 * crash loop. `>=` a whole number: increase() extrapolates, so 2 restarts can read as 2.03.
 */
export const PM2_RESTARTS = { count: 3, window: "15m" } as const;

/** UptimeProbeSlow compares the mean probe duration over this window: one slow probe is noise. */
export const UPTIME_SLOW_WINDOW = "5m";

/** TlsCertificateExpiring turns critical below this many days (a renewal that failed for days). */
export const TLS_CRITICAL_DAYS = 3;

/** Windows recorded for every SLO (plus the SLO's own window): every burn pair's long and short window. */
export const SLO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;

/** One multi-window burn-rate pair of SloErrorBudgetBurn. */
export interface BurnPair {
  severity: Severity;
  long: string;
  short: string;
  /** Share of the error budget spent within the long window when the pair fires. */
  budgetShare: number;
}

/**
 * The SRE workbook's table for a 30-day budget ("Alerting on SLOs"; FIELD-NOTES): pages fast,
 * tickets slow. The factors scale with the SLO's window (slo-rules.ts).
 */
export const BURN_PAIRS: readonly BurnPair[] = [
  { severity: "critical", long: "1h", short: "5m", budgetShare: 0.02 },
  { severity: "critical", long: "6h", short: "30m", budgetShare: 0.05 },
  { severity: "warning", long: "1d", short: "2h", budgetShare: 0.1 },
  { severity: "warning", long: "3d", short: "6h", budgetShare: 0.1 },
];

/**
 * The SLO's own window (up to 90d) reads every sample in it; no alert depends on it, so its group
 * is evaluated this often at most, rather than every evaluation interval.
 */
export const SLO_BUDGET_MIN_INTERVAL_SECONDS = 300;

/**
 * HostSystemdUnitCrashLooping: systemd restarted a unit this many times within `window`
 * (node_systemd_service_restart_total). The same bar as a PM2 app: one restart is a deploy or a
 * config change, three is a crash loop.
 */
export const UNIT_RESTARTS = PM2_RESTARTS;

/** HostClockSkew and HostClockNotSynchronising must hold this long: NTP corrects slowly. */
export const CLOCK_FOR = "10m";

/**
 * node_exporter's timex collector reports the kernel's maxerror; 16 s is the value the kernel
 * sets when no NTP daemon disciplines the clock (node-mixin uses the same test).
 */
export const CLOCK_UNSYNCED_MAXERROR_SECONDS = 16;

/**
 * Rate window of the averaged host metrics (CPU steal, network errors): four scrapes, at least
 * 5m. Both are bursty; a longer window than CPU_RATE_WINDOW keeps a burst from reading as a trend.
 */
export const HOST_NOISY_RATE_WINDOW: ScrapeSpan = { scrapes: 4, minSeconds: 300 };

/** HostCpuSteal and HostNetworkErrors must hold this long: a short burst is noise. */
export const NOISY_FOR = "15m";

/** HostOomKill looks back this far; the alert resolves this long after the last kill. */
export const OOM_WINDOW = "5m";

/** HostRebootRequired waits this long: unattended upgrades install, a planned reboot follows. */
export const REBOOT_FOR = "1h";

/** Self-monitoring (self-rules.ts): rule and notification failures are counted over this window. */
export const SELF_FAILURE_WINDOW = "5m";

/**
 * Share of notifications that may fail before it alerts (prometheus-mixin and alertmanager-mixin
 * use 1 %): a single timeout that the retry fixes stays quiet.
 */
export const NOTIFICATION_FAILURE_RATIO = 0.01;

/**
 * LogErrorsSpike counts a log's `error` lines over this window against thresholds.logErrors:
 * long enough that a burst stays visible through the confirm window, short enough that the
 * alert resolves soon after the burst.
 */
export const LOG_ERRORS_WINDOW = "5m";
