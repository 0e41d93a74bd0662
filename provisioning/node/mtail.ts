// mtail (Debian 12: 3.0.0~rc50), log-derived metrics: `hosts[].logs` becomes one mtail program,
// /etc/mtail/vigil.mtail, that counts matching lines into vigil_log_lines_total{host, log, pattern}.
//
// Debian facts behind the choices:
// - mtail.service runs as user mtail: `/bin/sh -c 'exec /usr/bin/mtail --progs /etc/mtail
//   --logtostderr ${HOST:+--address $HOST} ${PORT:+--port $PORT} --logs "$LOGS" $EXTRA_ARGS'`
//   with EnvironmentFile=/etc/default/mtail and ExecCondition `test -n "$LOGS"`. Its HOST default
//   is `::` (every interface); vigil sets the private address. mtail takes ONE --address, so it
//   cannot also bind 127.0.0.1 the way node_exporter does: every hub, itself included, scrapes it
//   at the private address (127.0.0.1 on the local target).
// - The mtail user cannot read a PM2 log under a 0700 home (Debian 12's adduser default): the
//   drop-in gives it CAP_DAC_READ_SEARCH (read any file, nothing else) rather than running as root.
// - A counter with labels exists only once a line matched, so the first burst after a (re)start
//   would be one sample with nothing before it, which increase() cannot see. Every (log,
//   pattern) is therefore its own scalar counter, which mtail exports as 0 from the start
//   (vigil_log_lines_N); the hub's metric_relabel_configs turn them into
//   vigil_log_lines_total{log, pattern} (mtailScrapeConfig).
// - Files are followed through rotation; a file that appears after mtail started is read from
//   its end (PM2 creates its logs when the app starts, empty).
// - Journal sources: vigil-journal-NAME.service runs `journalctl --follow --unit=UNIT
//   --output=cat` with its stdout on a FIFO that mtail reads (mtail reads
//   named pipes) in /var/lib/vigil-journal. Nothing is stored twice; journalctl blocks while mtail is not reading, and its
//   cursor file lets it resume after the last line it wrote when either side restarts.
import type { Host, LogSource, Spec } from "../../schema/spec-schema.ts";
import type { PlanContext, PlanFile, PlanStep } from "../plan.ts";
import { debianServiceStep, dropInFile } from "../debian-service.ts";
import { hostPort, privateAddressOf } from "../addresses.ts";
import { shq } from "../shell-quote.ts";
import { MTAIL_PORT } from "../service-ports.ts";
import { journalFollowerUnit, MTAIL_UNIT } from "../service-units.ts";
import { unitName } from "../watched-services.ts";

export const MTAIL_PACKAGE = "mtail";
export const MTAIL_PROGRAM = "/etc/mtail/vigil.mtail";
export const MTAIL_DEFAULTS = "/etc/default/mtail";
/**
 * FIFOs and cursors of the journal followers, owned by mtail. Not under /var/lib/vigil: that
 * directory is root's alone (0700), and the followers run as user mtail.
 */
export const JOURNAL_DIR = "/var/lib/vigil-journal";
/** The metric the hub stores (after relabelling mtail's per-count counters). */
export const LOG_LINES_METRIC = "vigil_log_lines_total";
/** The count every PM2 source has: each line of the app's error log. LogErrorsSpike reads counts of this name. */
export const ERROR_PATTERN = "error";
/** Prefix of the scalar counters in the mtail program; the hub renames them to LOG_LINES_METRIC. */
const COUNTER_PREFIX = "vigil_log_lines_";

/**
 * The one escaping function of the mtail language: an RE2 regular expression as an mtail regex
 * literal `/.../`. mtail's lexer ends the literal at an unescaped `/` and turns `\/` into `/`,
 * passing every other `\x` to RE2 as it is; so escape pairs are copied whole and a bare `/` gets
 * its backslash. A line break, a control character or a trailing lone `\` (which would escape
 * the closing `/`) cannot be written: they throw (validation refuses them first).
 */
export function mtailRegexLiteral(regex: string): string {
  let out = "";
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i]!;
    if (/[\u0000-\u001f\u007f-\u009f]/.test(c)) throw new Error(`regex ${JSON.stringify(regex)} has a control character or line break`);
    if (c === "\\") {
      const next = regex[i + 1];
      if (next === undefined) throw new Error(`regex ${JSON.stringify(regex)} ends in a lone backslash`);
      if (/[\u0000-\u001f\u007f-\u009f]/.test(next)) throw new Error(`regex ${JSON.stringify(regex)} has a control character or line break`);
      out += c + next;
      i++;
    } else if (c === "/") {
      out += "\\/";
    } else {
      out += c;
    }
  }
  return `/${out}/`;
}

/** A log file glob (`*`, `?` within one path segment) as an RE2 expression (unanchored) matching the paths it names. */
export function globRegex(glob: string): string {
  let out = "";
  for (const c of glob) {
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (/[A-Za-z0-9/_-]/.test(c)) out += c;
    else if (/[!-~]/.test(c)) out += `\\${c}`; // RE2 takes any escaped ASCII punctuation literally
    else throw new Error(`log path ${JSON.stringify(glob)} has a character outside printable ASCII`);
  }
  return out;
}

/** PM2_HOME of a pm2 source: its pm2Home, else the Debian home of the user (adduser's /home/USER; /root for root). */
export const pm2HomeOf = (pm2: NonNullable<LogSource["pm2"]>): string =>
  pm2.pm2Home ?? (pm2.user === "root" ? "/root/.pm2" : `/home/${pm2.user}/.pm2`);

/** PM2's log file base name: the app name with every character outside [a-zA-Z0-9.-] as `-` (pm2/lib/Common.js). */
export const pm2LogBase = (app: string): string => app.replace(/[^a-zA-Z0-9.-]/g, "-");

/** The FIFO a journal source's follower writes and mtail reads. */
export const journalFifo = (log: LogSource): string => `${JOURNAL_DIR}/${log.name}.fifo`;
const journalCursor = (log: LogSource): string => `${JOURNAL_DIR}/${log.name}.cursor`;

/** The files (globs) mtail reads for a source. */
export function sourceFiles(log: LogSource): string[] {
  if (log.files) return log.files;
  if (log.pm2) {
    const dir = `${pm2HomeOf(log.pm2)}/logs/${pm2LogBase(log.pm2.app)}`;
    return [`${dir}-out.log`, `${dir}-error.log`];
  }
  if (log.journal) return [journalFifo(log)];
  throw new Error(`log source "${log.name}" has none of files, pm2, journal`);
}

/** One counter of the program: lines of `files` matching `regex` (RE2) counted as (log, pattern). */
export interface LogCounter {
  /** The mtail variable (and exported name): vigil_log_lines_<N>. */
  variable: string;
  log: string;
  pattern: string;
  regex: string;
  files: string[];
}

/** Every counter of a host, in spec order: a pm2 source's `error` count first, then the spec's counts. */
export function logCounters(host: Host): LogCounter[] {
  const counts: Omit<LogCounter, "variable">[] = host.logs.flatMap((log) => [
    ...(log.pm2 ? [{ log: log.name, pattern: ERROR_PATTERN, regex: "^", files: [sourceFiles(log)[1]!] }] : []),
    ...log.count.map((c) => ({ log: log.name, pattern: c.name, regex: c.regex, files: sourceFiles(log) })),
  ]);
  return counts.map((c, i) => ({ variable: `${COUNTER_PREFIX}${i}`, ...c }));
}

/** The mtail program of a host. Only regex literals built by mtailRegexLiteral carry spec text. */
export function mtailProgram(host: Host): string {
  const counters = logCounters(host);
  const blocks = counters.map((c) => {
    const files = c.files.map(globRegex);
    return `# log ${c.log}, pattern ${c.pattern}
getfilename() =~ ${mtailRegexLiteral(files.length > 1 ? `^(?:${files.join("|")})$` : `^${files[0]}$`)} {
  ${mtailRegexLiteral(c.regex)} {
    ${c.variable}++
  }
}
`;
  });
  return `# Written by vigil; changes here are overwritten on the next apply.
# One scalar counter per (log, pattern): exported as 0 from the start, relabelled by the hub into
# ${LOG_LINES_METRIC}{log, pattern}.
${counters.map((c) => `counter ${c.variable}`).join("\n")}

${blocks.join("\n")}`;
}

/** Where mtail listens: the private address only (mtail takes one --address). */
export const mtailAddress = (host: Host, ctx: PlanContext): string => hostPort(privateAddressOf(host, ctx), MTAIL_PORT);

/** Flags after Debian's: no `prog` label (one program), nothing else. */
const MTAIL_EXTRA_ARGS = ["--emit_prog_label=false"];

/** /etc/default/mtail, read by Debian's unit (EnvironmentFile) and by its SysV script (sourced by sh). */
export function mtailDefaults(host: Host, ctx: PlanContext): string {
  const files = [...new Set(host.logs.flatMap(sourceFiles))];
  const values: [string, string][] = [
    ["LOGS", files.join(",")],
    ["HOST", privateAddressOf(host, ctx)],
    ["PORT", String(MTAIL_PORT)],
    ["EXTRA_ARGS", MTAIL_EXTRA_ARGS.join(" ")],
  ];
  for (const [name, value] of values) {
    if (/["'\\$`\n]/.test(value) || (name !== "EXTRA_ARGS" && /\s/.test(value))) throw new Error(`${name} ${JSON.stringify(value)} cannot be written to ${MTAIL_DEFAULTS}`);
  }
  return `# Written by vigil; changes here are overwritten on the next apply.
# Debian's unit: ExecStart=/bin/sh -c 'exec /usr/bin/mtail --progs /etc/mtail --logtostderr
#   \${HOST:+--address $HOST} \${PORT:+--port $PORT} --logs "$LOGS" $EXTRA_ARGS'
${values.map(([k, v]) => `${k}="${v}"`).join("\n")}
`;
}

/**
 * mtail's drop-in: read every user's logs without being root; start once the private address
 * exists (bound to it alone, mtail would exit at boot otherwise).
 */
export const MTAIL_DROPIN = `# Written by vigil.
[Unit]
Wants=network-online.target
After=network-online.target

[Service]
# PM2 logs live under 0700 homes: read access to any file, and no other privilege.
AmbientCapabilities=CAP_DAC_READ_SEARCH
CapabilityBoundingSet=CAP_DAC_READ_SEARCH
NoNewPrivileges=yes
Restart=always
RestartSec=5s
`;

/**
 * The follower of a journal source. journalctl's stdout is the FIFO (systemd opens it before
 * exec, blocking until mtail reads it). The unit name is checked by the schema (`[A-Za-z0-9@:._-]`):
 * nothing in it is special to systemd's command-line parsing (`%` and `$` excluded).
 */
export function journalFollowerService(log: LogSource): string {
  const unit = unitName(log.journal!.unit);
  if (!/^[A-Za-z0-9@:._-]+$/.test(unit)) throw new Error(`journal unit ${JSON.stringify(unit)} cannot be written to a unit file`);
  return `# Written by vigil: the journal of ${unit} into mtail (log ${log.name}).
[Unit]
Description=vigil: journal of ${unit} for mtail (log ${log.name})
After=${MTAIL_UNIT}
Wants=${MTAIL_UNIT}

[Service]
ExecStart=/usr/bin/journalctl --follow --unit=${unit} --output=cat --lines=0 --cursor-file=${journalCursor(log)}
StandardOutput=file:${journalFifo(log)}
StandardError=journal
User=mtail
Group=mtail
SupplementaryGroups=systemd-journal
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${JOURNAL_DIR}
Restart=always
RestartSec=2s

[Install]
WantedBy=multi-user.target
`;
}

const followerPath = (log: LogSource): string => `/etc/systemd/system/${journalFollowerUnit(log.name)}`;

/**
 * The real mtail compiles the new program alone (--compile_only takes a directory): exit 1 with
 * its located error (`vigil.mtail:3:9-18: ...`) on stderr, mtail's info lines left out. mtail
 * 3.0.0~rc50 opens its HTTP listener even with --compile_only (on every interface, port 3903 by
 * default, where the running mtail already listens): the check takes an ephemeral loopback port.
 */
const CHECK = `check=$(mktemp -d)
cp ${shq(MTAIL_PROGRAM)} "$check/"
if ! out=$(mtail --compile_only --logtostderr --address 127.0.0.1 --port 0 --progs "$check" 2>&1); then
  rm -rf "$check"
  printf '%s\\n' "$out" | grep -v '^I' >&2
  exit 1
fi
rm -rf "$check"`;

export function mtailStep(host: Host, ctx: PlanContext): PlanStep {
  const journals = host.logs.filter((l) => l.journal);
  const followers = journals.map((l) => journalFollowerUnit(l.name));
  const files: PlanFile[] = [
    { path: MTAIL_PROGRAM, mode: "0644", owner: "root:root", content: mtailProgram(host) },
    { path: MTAIL_DEFAULTS, mode: "0644", owner: "root:root", content: mtailDefaults(host, ctx) },
    dropInFile(MTAIL_UNIT, MTAIL_DROPIN),
    ...journals.map((l): PlanFile => ({ path: followerPath(l), mode: "0644", owner: "root:root", content: journalFollowerService(l) })),
  ];
  const fifos = journals.map((l) => shq(journalFifo(l)));
  const logs = host.logs.map((l) => l.name).join(", ");
  return debianServiceStep({
    id: "mtail",
    description: `mtail on ${mtailAddress(host, ctx)}: log-derived metrics of ${logs}`,
    packages: [MTAIL_PACKAGE],
    units: [MTAIL_UNIT, ...followers],
    files,
    // The program is checked where it lands, before mtail reloads it (the old one stays on failure).
    validate: `if command -v mtail >/dev/null; then
(
${CHECK}
) || return 1
fi`,
    // Before mtail (re)starts: the FIFOs it will open, owned by the followers' user.
    afterInstall: [
      `install -d -m 0750 -o mtail -g mtail ${shq(JOURNAL_DIR)}`,
      ...fifos.map((f) => `[ -p ${f} ] || { rm -f ${f}; mkfifo -m 0640 ${f}; chown mtail:mtail ${f}; }`),
      `(\n${CHECK}\n) || { echo "vigil-step: mtail --compile_only refused ${MTAIL_PROGRAM}" >&2; exit 1; }`,
    ].join("\n"),
    probe: fifos.map((f) => `[ -p ${f} ] || exit 1`).join("\n") || undefined,
    // A new drop-in, defaults file or follower needs daemon-reload; mtail rereads its program on
    // HUP, but LOGS and the address are flags: restart.
    reload: `systemctl daemon-reload
systemctl restart ${shq(MTAIL_UNIT)}${followers.map((u) => `\nsystemctl restart ${shq(u)}`).join("")}`,
  });
}

/** The node step for log-derived metrics (none for a host without `logs`). */
export function mtailSteps(_spec: Spec, host: Host, ctx: PlanContext): PlanStep[] {
  return host.logs.length > 0 ? [mtailStep(host, ctx)] : [];
}

/**
 * The hub's scrape config of one host's mtail: job "mtail", label host, and the relabelling of
 * its scalar counters into vigil_log_lines_total{log, pattern} (mtail's own metrics are kept).
 */
export function mtailScrapeConfig(host: Host, target: string, job: string): Record<string, unknown> {
  const counters = logCounters(host);
  return {
    job_name: `${job}-${host.name}`,
    static_configs: [{ targets: [target], labels: { job, host: host.name } }],
    metric_relabel_configs: [
      ...counters.flatMap((c) => [
        { source_labels: ["__name__"], regex: c.variable, target_label: "log", replacement: c.log },
        { source_labels: ["__name__"], regex: c.variable, target_label: "pattern", replacement: c.pattern },
      ]),
      { source_labels: ["__name__"], regex: `${COUNTER_PREFIX}[0-9]+`, target_label: "__name__", replacement: LOG_LINES_METRIC },
    ],
  };
}
