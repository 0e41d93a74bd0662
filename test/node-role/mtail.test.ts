// mtail (provisioning/node/mtail.ts): the rendered program is compiled by the real
// `mtail --compile_only` and run by the real mtail (--one_shot) over real log files; every count
// agrees with RE2 (re2js) line by line, hostile regexes included, so the one escaping function of
// the mtail language (mtailRegexLiteral) neither breaks out of its literal nor changes what matches.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { RE2JS } from "re2js";
import type { Host, LogSource } from "../../schema/spec-schema.ts";
import { re2Error } from "../../schema/re2.ts";
import {
  globRegex, journalFollowerService, logCounters, MTAIL_DEFAULTS, MTAIL_DROPIN, mtailDefaults, mtailProgram, mtailRegexLiteral, mtailScrapeConfig,
  mtailStep, pm2LogBase, sourceFiles,
} from "../../provisioning/node/mtail.ts";
import { MTAIL_PORT } from "../../provisioning/service-ports.ts";
import { run, tempDir } from "./helpers.ts";

const host = (logs: LogSource[]): Host =>
  ({ name: "app-1", size: "s", image: "debian-12-x64", roles: ["node"], backups: false, services: [], scrape: [], logs }) as Host;
const ctx = { privateAddress: { "app-1": "10.20.0.2" } };

/** Compiles a program with the real mtail; its stderr without info lines. */
function compile(dir: string, program: string): { status: number | null; errors: string } {
  const progs = join(dir, `progs-${Math.random().toString(36).slice(2)}`);
  mkdirSync(progs);
  writeFileSync(join(progs, "vigil.mtail"), program);
  const r = run("mtail", ["--compile_only", "--logtostderr", "--address", "127.0.0.1", "--port", "0", "--progs", progs]);
  return { status: r.status, errors: r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("I")).join("\n") };
}

/** Runs the program over the logs from their start (mtail --one_shot) and returns its counters by name. */
function oneShot(dir: string, program: string, logs: string[]): Map<string, number> {
  const progs = join(dir, `progs-${Math.random().toString(36).slice(2)}`);
  mkdirSync(progs);
  writeFileSync(join(progs, "vigil.mtail"), program);
  const r = run("mtail", ["--one_shot", "--one_shot_format", "prometheus", "--emit_prog_label=false", "--logtostderr", "--address", "127.0.0.1", "--port", "0", "--progs", progs, "--logs", logs.join(",")]);
  assert.equal(r.status, 0, r.stderr);
  const values = new Map<string, number>();
  for (const m of r.stdout.matchAll(/^(vigil_log_lines_\d+) (\d+)$/gm)) values.set(m[1]!, Number(m[2]));
  return values;
}

test("mtailRegexLiteral: escape pairs stay whole, a bare / gets its backslash, nothing leaves the literal", () => {
  assert.equal(mtailRegexLiteral("a/b"), "/a\\/b/");
  assert.equal(mtailRegexLiteral("a\\/b"), "/a\\/b/");
  assert.equal(mtailRegexLiteral("a\\\\/b"), "/a\\\\\\/b/");
  assert.equal(mtailRegexLiteral("} { x++ } /"), "/} { x++ } \\//");
  assert.throws(() => mtailRegexLiteral("a\\"), /lone backslash/);
  assert.throws(() => mtailRegexLiteral("a\nb"), /control character/);
  assert.throws(() => mtailRegexLiteral("a\\\nb"), /control character/);
});

test("the program compiles with the real mtail, and mtail --compile_only refuses a literal that was not escaped", (t) => {
  const dir = tempDir(t, "mtail-compile");
  const logs: LogSource[] = [
    { name: "api", pm2: { user: "deploy", app: "api" }, count: [{ name: "timeout", regex: "ETIMEDOUT|timed out" }] },
    { name: "nginx", files: ["/var/log/nginx/access.log", "/var/log/nginx/*.log.?"], count: [{ name: "server-error", regex: "\" 5\\d\\d " }] },
    { name: "backup", journal: { unit: "backup.service" }, count: [{ name: "error", regex: "(?i)error|fail(ed|ure)" }] },
  ];
  const program = mtailProgram(host(logs));
  const ok = compile(dir, program);
  assert.equal(ok.status, 0, ok.errors);
  // The same program with the slash of a regex left bare: the check that guards the apply can fail.
  const broken = compile(dir, program.replace("/var\\/log", "/var/log"));
  assert.notEqual(broken.status, 0);
  assert.match(broken.errors, /vigil\.mtail:\d+:\d+/);
});

test("files, pm2 and journal sources: what mtail reads, and which counter counts what", () => {
  const logs: LogSource[] = [
    { name: "api", pm2: { user: "deploy", app: "my api" }, count: [{ name: "timeout", regex: "ETIMEDOUT" }] },
    { name: "root-app", pm2: { user: "root", app: "w" }, count: [] },
    { name: "nginx", files: ["/var/log/nginx/*.log"], count: [{ name: "server-error", regex: " 5\\d\\d " }] },
    { name: "backup", journal: { unit: "backup" }, count: [{ name: "error", regex: "error" }] },
  ];
  assert.equal(pm2LogBase("my api/x_y.z"), "my-api-x-y.z");
  assert.deepEqual(sourceFiles(logs[0]!), ["/home/deploy/.pm2/logs/my-api-out.log", "/home/deploy/.pm2/logs/my-api-error.log"]);
  assert.deepEqual(sourceFiles(logs[1]!), ["/root/.pm2/logs/w-out.log", "/root/.pm2/logs/w-error.log"]);
  assert.deepEqual(sourceFiles(logs[3]!), ["/var/lib/vigil-journal/backup.fifo"]);
  assert.deepEqual(
    logCounters(host(logs)).map((c) => [c.variable, c.log, c.pattern, c.files.length]),
    [
      ["vigil_log_lines_0", "api", "error", 1],
      ["vigil_log_lines_1", "api", "timeout", 2],
      ["vigil_log_lines_2", "root-app", "error", 1],
      ["vigil_log_lines_3", "nginx", "server-error", 1],
      ["vigil_log_lines_4", "backup", "error", 1],
    ],
  );
  assert.equal(globRegex("/var/log/a.b/*-?.log"), "/var/log/a\\.b/[^/]*-[^/]\\.log");
  // mtail binds the private address and Debian's port, never `::` (its unit's default).
  const defaults = mtailDefaults(host(logs), ctx);
  assert.match(defaults, /^HOST="10\.20\.0\.2"$/m);
  assert.match(defaults, new RegExp(`^PORT="${MTAIL_PORT}"$`, "m"));
  assert.match(defaults, /^LOGS="\/home\/deploy\/\.pm2\/logs\/my-api-out\.log,\/home\/deploy\/\.pm2\/logs\/my-api-error\.log,\/root\/.pm2\/logs\/w-out.log,\/root\/.pm2\/logs\/w-error.log,\/var\/log\/nginx\/\*\.log,\/var\/lib\/vigil-journal\/backup\.fifo"$/m);
  assert.match(defaults, /^EXTRA_ARGS="--emit_prog_label=false"$/m);
  assert.match(MTAIL_DROPIN, /^AmbientCapabilities=CAP_DAC_READ_SEARCH$/m);
  const follower = journalFollowerService(logs[3]!);
  assert.match(follower, /^ExecStart=\/usr\/bin\/journalctl --follow --unit=backup\.service --output=cat --lines=0 --cursor-file=\/var\/lib\/vigil-journal\/backup\.cursor$/m);
  assert.match(follower, /^StandardOutput=file:\/var\/lib\/vigil-journal\/backup\.fifo$/m);
  // The step: program, defaults, drop-in and the follower's unit; the real compile before reload.
  const step = mtailStep(host(logs), ctx);
  assert.deepEqual(step.files.map((f) => f.path), ["/etc/mtail/vigil.mtail", MTAIL_DEFAULTS, "/etc/systemd/system/mtail.service.d/vigil.conf", "/etc/systemd/system/vigil-journal-backup.service"]);
  assert.match(step.validate!, /mtail --compile_only/);
  assert.match(step.run!, /mkfifo -m 0640 '\/var\/lib\/vigil-journal\/backup\.fifo'/);
  assert.match(step.description, /mtail on 10\.20\.0\.2:3903/);
  // The hub turns the scalar counters into vigil_log_lines_total{log, pattern}.
  const scrape = mtailScrapeConfig(host(logs), "10.20.0.2:3903", "mtail") as { metric_relabel_configs: { regex: string; target_label: string; replacement: string }[] };
  assert.deepEqual(scrape.metric_relabel_configs.slice(0, 2), [
    { source_labels: ["__name__"], regex: "vigil_log_lines_0", target_label: "log", replacement: "api" },
    { source_labels: ["__name__"], regex: "vigil_log_lines_0", target_label: "pattern", replacement: "error" },
  ]);
  assert.deepEqual(scrape.metric_relabel_configs.at(-1), { source_labels: ["__name__"], regex: "vigil_log_lines_[0-9]+", target_label: "__name__", replacement: "vigil_log_lines_total" });
});

test("real mtail counts what RE2 matches, line by line, for hostile regexes and file names", (t) => {
  const dir = tempDir(t, "mtail-count");
  const lines = [
    "GET /api/v1 500 ERROR timeout",
    "a/b } { x++ } #c",
    "back\\slash and \"quotes\" and 'single'",
    "{{ .Labels }} $(touch CANARY) `id`",
    "ok line",
    "ERROR: disk / full",
    "tab\there",
    "ünïcödé ERROR",
  ];
  const a = join(dir, "a-1.log");
  const b = join(dir, "b.log");
  writeFileSync(a, lines.join("\n") + "\n");
  writeFileSync(b, [...lines].reverse().join("\n") + "\n");
  const fixed = [
    "ERROR", "a/b", "\\}", "[/]", "\\\\", "\\\\/", "\"", "'", "\\{\\{", "\\$\\(", "`", "#", "^ok", "/ full$", "(?i)error", "\\t", "ü", "\\Q} {\\E", "(?P<n>ERR)OR", "[^/]+/[^/]+",
  ];
  // Random regexes from an alphabet of mtail's and the shell's special characters; only those RE2 accepts.
  const alphabet = ["a", "b", "/", "\\", "{", "}", "#", "\"", "'", "`", "$", "(", ")", "[", "]", "|", "*", "+", "?", ".", "^", " ", "E", "R", "O", "x"];
  const random = fc
    .sample(fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 12 }).map((cs) => cs.join("")), { numRuns: 300, seed: 14 })
    .filter((r) => re2Error(r, "mtail") === undefined && !/\\$/.test(r))
    .slice(0, 60);
  const regexes = [...new Set([...fixed, ...random])];
  const logs: LogSource[] = [
    { name: "one", files: [join(dir, "a-?.log")], count: regexes.map((regex, i) => ({ name: `p${i}`, regex })) },
    { name: "two", files: [b], count: [{ name: "p0", regex: "ERROR" }] },
  ];
  const program = mtailProgram(host(logs));
  const compiled = compile(dir, program);
  assert.equal(compiled.status, 0, compiled.errors);
  const values = oneShot(dir, program, [a, b]);
  const counters = logCounters(host(logs));
  for (const c of counters) {
    const re = RE2JS.compile(c.regex);
    const expected = lines.filter((l) => re.matcher(l).find()).length;
    assert.equal(values.get(c.variable), expected, `log ${c.log} pattern ${c.pattern} /${c.regex}/`);
  }
  assert.ok(counters.length > 40, `${counters.length} counters`);
});

test("mtail --compile_only and re2Error agree where re2js takes more than Go 1.19: named groups, Unicode classes, a [ before :]", (t) => {
  const dir = tempDir(t, "mtail-re2");
  const regexes = ["(?<n>b)", "(?P<n>b)", "\\p{Kawi}", "\\p{Greek}\\pL", "[\\p{Emoji}]", "\\p{Cn}", "\\P{^Han}", "\\Q\\p{Kawi}\\E", "x(?=y)", "[a[:]", "[a[:]b[:]"];
  // mtail stops at a program's first error: one compile per regex.
  const verdicts = regexes.map((regex) => ({ regex, mtail: compile(dir, `counter c\n${mtailRegexLiteral(regex)} {\n  c++\n}\n`).status === 0, vigil: re2Error(regex, "mtail") === undefined }));
  assert.deepEqual(verdicts.filter((v) => v.mtail !== v.vigil), []);
  assert.deepEqual(verdicts.map((v) => v.mtail), [false, true, false, true, false, false, true, true, false, true, false]);
});

test("re2Error: located RE2 errors, and the named-group syntax Go 1.19 does not take", () => {
  assert.equal(re2Error("ERROR|WARN", "mtail"), undefined);
  assert.deepEqual(re2Error("abc(def", "mtail"), { offset: 3, message: "not a valid RE2 regex: missing closing )" });
  assert.equal(re2Error("[(]x(y(z)", "mtail")?.offset, 4);
  assert.match(re2Error("x(?<!y)", "mtail")!.message, /lookahead and lookbehind/);
  assert.deepEqual(re2Error("ok|a**", "mtail"), { offset: 4, message: "not a valid RE2 regex: invalid nested repetition operator at \"**\"" });
  assert.equal(re2Error("x(?=y)", "mtail")?.offset, 1);
  assert.match(re2Error("(?<name>x)", "mtail")!.message, /\(\?P<name>/);
  assert.equal(re2Error("\\(?<x", "mtail"), undefined);
  assert.match(re2Error("a\\", "mtail")!.message, /trailing backslash/);
});

test("values the schema already refuses are refused again where they are written (/etc/default/mtail, unit files, RE2)", () => {
  // /etc/default/mtail is sourced by sh (Debian's SysV script) and read as an EnvironmentFile by
  // the unit: a quote, backslash, $, backquote or newline would end the value or expand, and
  // whitespace would split LOGS. EXTRA_ARGS alone holds spaces (vigil's own flags).
  for (const bad of ['/var/log/a"b.log', "/var/log/a'b.log", "/var/log/$HOME.log", "/var/log/`id`.log", "/var/log/a\\b.log", "/var/log/a\nb.log", "/var/log/a b.log", "/var/log/a\tb.log"]) {
    assert.throws(() => mtailDefaults(host([{ name: "app", files: [bad] } as LogSource]), ctx), (e: Error) => e.message === `LOGS ${JSON.stringify(bad)} cannot be written to ${MTAIL_DEFAULTS}`, JSON.stringify(bad));
  }
  assert.match(mtailDefaults(host([{ name: "app", files: ["/var/log/a.log"] } as LogSource]), ctx), /^EXTRA_ARGS="--emit_prog_label=false"$/m);
  // A journal unit name goes into a unit file's Description= and ExecStart=: systemd's specifiers
  // (%) and variables ($), whitespace and newlines are refused; the whole name, not a prefix or suffix.
  for (const unit of ["a b", "x%i", "$x", "ok\nExecStartPre=/bin/sh", "ok;", ";ok"]) {
    assert.throws(() => journalFollowerService({ name: "j", journal: { unit } } as LogSource), (e: Error) => e.message.startsWith("journal unit ") && e.message.endsWith(" cannot be written to a unit file"), JSON.stringify(unit));
  }
  assert.match(journalFollowerService({ name: "j", journal: { unit: "getty@tty1" } } as LogSource), /^Description=vigil: journal of getty@tty1\.service for mtail \(log j\)$/m);
  // A path character outside printable ASCII has no RE2 escape that mtail would match the same way.
  assert.throws(() => globRegex("/var/log/é.log"), /log path "\/var\/log\/é\.log" has a character outside printable ASCII/);
  assert.equal(globRegex("/var/log/a+b.log"), "/var/log/a\\+b\\.log");
  // A source with none of files, pm2 or journal is refused rather than reading nothing.
  assert.throws(() => sourceFiles({ name: "none" } as LogSource), /log source "none" has none of files, pm2, journal/);
});

test("with two journal sources the step checks both FIFOs and restarts both followers, one command a line", () => {
  const logs = [
    { name: "backup", journal: { unit: "backup" }, count: [] },
    { name: "sync", journal: { unit: "sync.timer" }, count: [] },
  ] as unknown as LogSource[];
  const step = mtailStep(host(logs), ctx);
  assert.deepEqual(step.probe!.split("\n").filter((l) => l.startsWith("[ -p ")), [
    "[ -p '/var/lib/vigil-journal/backup.fifo' ] || exit 1",
    "[ -p '/var/lib/vigil-journal/sync.fifo' ] || exit 1",
  ]);
  const restarts = step.reload!.split("\n").filter((l) => l.startsWith("systemctl restart"));
  assert.deepEqual(restarts, ["systemctl restart 'mtail.service'", "systemctl restart 'vigil-journal-backup.service'", "systemctl restart 'vigil-journal-sync.service'"]);
});
