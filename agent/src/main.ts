// vigil-agent: the command line. Parses flags, loads the config, picks the SQLite backend and
// runs one of the modes; everything it does is in the modules it imports.
import { execFile } from "node:child_process";
import { parseArgs } from "node:util";
import type { AgentConfig } from "../../schema/spec-schema.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { collect } from "./collect.ts";
import { runDueChecks, stateFile } from "./integrity.ts";
import { formatSamples } from "./metrics.ts";
import type { SqliteBackend } from "./sqlite-backend.ts";
import type { StatsCache } from "./sqlite-probe.ts";
import { cliBackend } from "./sqlite-cli.ts";
import { loadNodeSqlite, nodeBackend, quickCheckInProcess } from "./sqlite-node.ts";
import { writeFileAtomic } from "./textfile.ts";
import { watchFaults, type Watches } from "./watch.ts";

/**
 * A triggered collection waits this long, so that a burst of events (PM2 restarting an app: exit,
 * restart, online; a file replaced: unlink, create) is read once, in its settled state.
 */
const SETTLE_MS = 200;
/** Triggered collections are at least this far apart, so a noisy event source costs little CPU. */
const MIN_GAP_MS = 1000;

export const HELP = `vigil-agent: SQLite and PM2 health for Prometheus (node_exporter textfile collector)

Usage:
  node vigil-agent.js --config FILE --once [--textfile PATH]   one collection to stdout (and PATH), exit
  node vigil-agent.js --config FILE --integrity                run due quick_checks, save results, exit
  node vigil-agent.js --config FILE [--textfile PATH]          resident: collect every --interval
  node vigil-agent.js --config FILE --check-config             validate FILE, exit 0 or 1
  node vigil-agent.js --config FILE --print-config             validate FILE, print it as JSON
                                                                with the defaults filled in

FILE is a host's \`agent\` block of the vigil spec (YAML or JSON): sqlite: [{path, name?,
maxSizeMB, maxWalMB?, integrityEvery}], pm2: [{user, pm2Home?, apps}].

How vigil runs it: resident, as vigil-agent.service (Restart=always), collecting every
intervals.agent (default: the spec's scrape interval) into
/var/lib/prometheus/node-exporter/vigil.prom. A fault it can see the moment it happens is
published at once, not at the next tick: a database file deleted, renamed or re-created
(inotify on its directory, or on the file where the directory is not readable) and a PM2 app
exiting, going online or errored, or the daemon going away (the daemon's event bus,
PM2_HOME/pub.sock, read only and only once pm2.pid proves the daemon alive). Triggered
collections wait ${SETTLE_MS} ms for a burst to settle and are at least ${MIN_GAP_MS} ms apart.
A PM2 app counts as online once it has stayed online for its min_uptime (PM2's own threshold for a
stable start, 1 s by default), so a crash-looping app is never reported online between its
restarts; the agent collects again at that moment, so a deploy's restart is not reported down
for longer.
A resident agent asks SQLite again only when the database or its -wal changed (inode, size,
mtime, ctime) or its last answer is a minute old; stat runs at every collection. Measured on Node 18 (BENCHMARKS.md, "vigil agent"):
a --once run per 15 s from a systemd timer costs ~230 ms of CPU each, ~1.5 % of one core, mostly
Node's own startup; the resident agent spends ~27 ms per collection (~0.18 %) and holds ~43 MB,
about Node's floor. On a 1-vCPU droplet CPU is the scarcer resource, so resident it is.
--once is for shells and tests; a timer setup would also run --integrity on its own timer.

Publishing: the text is written to a temporary file in the same directory and renamed over PATH,
so node_exporter never reads half a file. Logs go to stderr.

SQLite: read-only opens (never created, never immutable) with a busy timeout; one autocommit
statement per collection (no read transaction is held); quick_check(1) runs in a separate process
killed after --integrity-budget, and its result and time are kept in STATE_DIR/integrity.json.
In WAL mode readers never block writers; in rollback-journal mode a reader's shared lock does,
so quick_check there gets --rollback-integrity-budget (a large rollback-journal database may
never get a verdict: switch it to WAL).
Backend: node:sqlite when the runtime has it (Node >= 22.13), else the sqlite3 CLI (Debian 12).

PM2: for each configured user the daemon must be running (PM2_HOME/pm2.pid names a live process,
PM2_HOME/rpc.sock is a socket) before the agent asks it anything over rpc.sock; the agent never
starts a daemon and a socket permission error is vigil_pm2_up 0.

Options:
  --config FILE             the agent config (required)
  --once                    one collection printed to stdout, then exit
  --integrity               run the quick_checks that are due (--force: all of them), then exit
  --textfile PATH           also write the collection to PATH atomically
                            (resident default: /var/lib/prometheus/node-exporter/vigil.prom)
  --interval DURATION       resident mode period (default 15s)
  --state-dir DIR           integrity results (default /var/lib/vigil-agent)
  --integrity-budget DUR    time limit of one quick_check (default 5m)
  --rollback-integrity-budget DUR
                            the limit for a database NOT in WAL mode (default 1s): there
                            quick_check holds a shared lock and writers wait for it
  --busy-timeout DUR        SQLite busy timeout (default 1s)
  --pm2-timeout DUR         PM2 RPC answer timeout (default 3s)
  --sqlite auto|node|cli    SQLite backend (default auto)
  --sqlite3 PATH            sqlite3 binary for the cli backend (default /usr/bin/sqlite3)
  --no-watch                resident mode: collect on the interval only (no file watches,
                            no PM2 bus)
  --check-config            validate the config and exit
  --print-config            validate the config, print it as JSON (defaults filled in), exit
  -h, --help                this text
Durations: 500ms, 30s, 5m, 1h.
`;

const OPTIONS = {
  config: { type: "string" },
  once: { type: "boolean" },
  integrity: { type: "boolean" },
  force: { type: "boolean" },
  textfile: { type: "string" },
  interval: { type: "string" },
  "state-dir": { type: "string" },
  "integrity-budget": { type: "string" },
  "rollback-integrity-budget": { type: "string" },
  "busy-timeout": { type: "string" },
  "pm2-timeout": { type: "string" },
  sqlite: { type: "string" },
  sqlite3: { type: "string" },
  "check-config": { type: "boolean" },
  "print-config": { type: "boolean" },
  "no-watch": { type: "boolean" },
  "quick-check": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

class UsageError extends Error {}

/** Milliseconds in `500ms`, `30s`, `5m`, `1h`. */
export function flagMs(name: string, text: string | undefined, fallback: string): number {
  const value = text ?? fallback;
  const match = /^(\d+)(ms|s|m|h)$/.exec(value);
  if (!match || Number(match[1]) === 0) throw new UsageError(`--${name}: "${value}" is not a duration like 500ms, 30s, 5m`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000 }[match[2] as "ms" | "s" | "m" | "h"];
}

/** A logger that drops lines already logged in the previous round (`next()` ends a round). */
function onlyNewLines(write: (line: string) => void): { log: (line: string) => void; next: () => void } {
  let previous = new Set<string>();
  let current = new Set<string>();
  return {
    log(line) {
      if (!previous.has(line)) write(line);
      current.add(line);
    },
    next() {
      for (const line of previous) if (!current.has(line)) write(`resolved: ${line}`);
      previous = current;
      current = new Set();
    },
  };
}

const log = (line: string) => process.stderr.write(`vigil-agent: ${line}\n`);

async function chooseBackend(kind: string, busyTimeoutMs: number, sqlite3: string): Promise<SqliteBackend> {
  if (kind !== "auto" && kind !== "node" && kind !== "cli") throw new UsageError(`--sqlite: expected auto, node or cli, got "${kind}"`);
  if (kind !== "cli") {
    const DatabaseSync = await loadNodeSqlite();
    if (DatabaseSync) return nodeBackend(DatabaseSync, { busyTimeoutMs, bundle: process.argv[1]! });
    if (kind === "node") throw new UsageError(`--sqlite node: this Node (${process.version}) has no usable node:sqlite (needs >= 22.13)`);
  }
  return cliBackend({ binary: sqlite3, busyTimeoutMs });
}

/**
 * The config, validated in this process: the YAML parser with line numbers, the schema validator
 * and the spec's own checks (config.ts). `import()`, so that the bundle runs none of that code
 * until a mode that exits soon asks for it. On errors: printed, undefined.
 */
async function configCheckedHere(file: string): Promise<AgentConfig | undefined> {
  const { loadAgentConfigFile } = await import("./config.ts");
  const loaded = loadAgentConfigFile(file);
  if (loaded.ok) return loaded.config;
  process.stderr.write(`${formatErrors(loaded.errors)}\n`);
  return undefined;
}

/**
 * The config for the resident agent, validated by a child process of this same script
 * (--print-config) and handed over as JSON. Loaded here, the validator's modules (yaml, the
 * schema code, the PromQL grammar the spec checks carry) would stay in the heap of a process
 * that runs for months: 1.7 MiB of the agent's 15 MiB of anonymous memory on a fleet node
 * (BENCHMARKS.md, "The agent without its validator"). The child costs one Node start at boot.
 */
function configCheckedByChild(file: string): Promise<AgentConfig | undefined> {
  // The same Node flags (heap limits, --lite-mode) but no inspector: --inspect-brk would stop the child.
  const flags = process.execArgv.filter((f) => !/^--inspect/.test(f));
  const args = [...flags, process.argv[1]!, "--config", file, "--print-config"];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) {
        // The child printed the located errors (the same formatErrors as --check-config).
        process.stderr.write(stderr || `vigil-agent: checking ${file} failed: ${error.message}\n`);
        resolve(undefined);
        return;
      }
      resolve(JSON.parse(stdout) as AgentConfig);
    });
  });
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const busyTimeoutMs = flagMs("busy-timeout", values["busy-timeout"], "1s");
  if (values["quick-check"] !== undefined) {
    // The child process of the node:sqlite backend's quick_check.
    const DatabaseSync = await loadNodeSqlite();
    const result = DatabaseSync ? quickCheckInProcess(DatabaseSync, values["quick-check"], busyTimeoutMs) : { ran: false, error: "no node:sqlite" };
    process.stdout.write(JSON.stringify(result));
    return 0;
  }
  if (values.config === undefined) throw new UsageError("--config FILE is required");
  const runsResident = !values.once && !values.integrity && !values["check-config"] && !values["print-config"];
  const config = runsResident ? await configCheckedByChild(values.config) : await configCheckedHere(values.config);
  if (config === undefined) return 1;
  if (values["check-config"]) return 0;
  if (values["print-config"]) {
    process.stdout.write(`${JSON.stringify(config)}\n`);
    return 0;
  }
  const backend = await chooseBackend(values.sqlite ?? "auto", busyTimeoutMs, values.sqlite3 ?? "/usr/bin/sqlite3");
  const state = stateFile(values["state-dir"] ?? "/var/lib/vigil-agent");
  const budgetMs = flagMs("integrity-budget", values["integrity-budget"], "5m");
  const rollbackBudgetMs = flagMs("rollback-integrity-budget", values["rollback-integrity-budget"], "1s");
  const pm2TimeoutMs = flagMs("pm2-timeout", values["pm2-timeout"], "3s");
  // Resident, the same problem would be logged every interval: log a line when it first appears.
  const changesOnly = onlyNewLines(log);
  const statsCache: StatsCache | undefined = values.once ? undefined : new Map();
  const collectOnce = async (textfile: string | undefined, settlesAt?: (atMs: number) => void): Promise<string> => {
    const text = formatSamples(await collect(config, { backend, stateFile: state, pm2TimeoutMs, log: values.once ? log : changesOnly.log, statsCache, settlesAt }));
    if (textfile !== undefined) {
      try {
        writeFileAtomic(textfile, text);
      } catch (err) {
        log(`cannot write ${textfile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    }
    return text;
  };

  if (values.integrity) {
    const run = await runDueChecks(config.sqlite, { backend, file: state, budgetMs, rollbackBudgetMs, force: values.force ?? false, log });
    // A verdict that was not recorded never reaches a collection: the pass did not happen.
    return run.saved ? 0 : 1;
  }
  if (values.once) {
    process.stdout.write(await collectOnce(values.textfile));
    return 0;
  }
  return resident(config.sqlite.length > 0, {
    intervalMs: flagMs("interval", values.interval, "15s"),
    collect: (settlesAt) => collectOnce(values.textfile ?? "/var/lib/prometheus/node-exporter/vigil.prom", settlesAt).finally(() => changesOnly.next()),
    checkIntegrity: () => runDueChecks(config.sqlite, { backend, file: state, budgetMs, rollbackBudgetMs, log }),
    watch: (changed) => (values["no-watch"] ? undefined : watchFaults(config, changed, log)),
  });
}


/**
 * The resident loop: a collection every interval and one soon after a watched fault (watch.ts),
 * never two at once (a request during a collection runs right after it), and the due
 * quick_checks in the background (their own child processes), never awaited by a collection.
 */
function resident(
  hasDatabases: boolean,
  loop: {
    intervalMs: number;
    /** settlesAt: a PM2 app just started counts as online from then on (pm2-probe.ts): collect again at that moment. */
    collect: (settlesAt: (atMs: number) => void) => Promise<unknown>;
    checkIntegrity: () => Promise<unknown>;
    watch: (changed: (why: string) => void) => Watches | undefined;
  },
): Promise<number> {
  let collecting = false;
  let again = false;
  let checking = false;
  let lastStart = 0;
  let triggered: NodeJS.Timeout | undefined;
  let settleTimer: NodeJS.Timeout | undefined;
  let settleAt = Infinity;
  // One timer for the earliest pending settle moment; a deploy's restart is then reported online
  // min_uptime after PM2 started it, not an interval later.
  const settlesAt = (atMs: number) => {
    if (atMs >= settleAt) return;
    if (settleTimer !== undefined) clearTimeout(settleTimer);
    settleAt = atMs;
    settleTimer = setTimeout(() => {
      settleTimer = undefined;
      settleAt = Infinity;
      soon();
    }, Math.max(0, atMs - Date.now()) + 10);
  };
  const collectNow = () => {
    if (collecting) {
      again = true;
      return;
    }
    collecting = true;
    lastStart = Date.now();
    loop
      .collect(settlesAt)
      .catch((err) => log(`collection failed: ${String(err)}`))
      .finally(() => {
        collecting = false;
        if (again) {
          again = false;
          soon();
        }
      });
  };
  const soon = () => {
    if (triggered !== undefined) return;
    const wait = Math.max(SETTLE_MS, lastStart + MIN_GAP_MS - Date.now());
    triggered = setTimeout(() => {
      triggered = undefined;
      collectNow();
    }, wait);
  };
  const watches = loop.watch(() => soon());
  const tick = () => {
    if (!collecting) collectNow();
    if (hasDatabases && !checking) {
      checking = true;
      loop.checkIntegrity().catch((err) => log(`integrity run failed: ${String(err)}`)).finally(() => (checking = false));
    }
    watches?.refresh();
  };
  tick();
  setInterval(tick, loop.intervalMs);
  return new Promise<number>((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        watches?.close();
        resolve(0);
      });
    }
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`vigil-agent: ${(err as Error).message}\nTry --help.\n`);
    } else {
      process.stderr.write(`vigil-agent: internal error: ${String(err)}\n`);
    }
    process.exit(1);
  },
);
