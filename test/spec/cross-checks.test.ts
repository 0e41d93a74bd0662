// The cross-field checks of schema/cross-checks.ts, one behaviour at a time, in-process: each
// refusal comes back as exactly the located lines `vigil validate` prints (file:line:col path:
// message), and the value just inside each bound is accepted. The golden fixtures of
// test/spec/bad and test/spec/hostile show one case each; these pin the rest (found by
// `npm run mutate -- schema`: mutants of these checks that no test noticed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadSpecText } from "../../schema/load-spec.ts";
import { databaseLabel } from "../../schema/database-label.ts";
import { formatErrors } from "../../schema/spec-errors.ts";

const FILE = "cc.yaml";

/**
 * A small valid spec (lines 1-8 up to `hosts:`; 9 with `alerts` lines), with `hosts` entries and further top-level
 * sections given as YAML text. Line numbers in the expectations count from here:
 * line 9 is the first host, `extra` starts right after the last host line.
 */
function spec({ hosts = ["{ name: app-1, roles: [node] }", "{ name: monitor, roles: [hub] }"], extra = "", alerts = "" } = {}): string {
  return [
    "version: 1",
    "environment: prod",
    "project: p",
    "region: fra1",
    "alerts:",
    "  receivers: { hook: { webhook: { url: \"https://hooks.example.com/a\" } }, page: { webhook: { url: \"https://hooks.example.com/b\" } } }",
    "  routes: [{ to: [hook] }]",
    ...(alerts ? [alerts] : []),
    "hosts:",
    ...hosts.map((h) => `  - ${h}`),
    extra,
  ].join("\n");
}

/** The located error lines of a spec text; [] when it is valid. */
function problems(text: string): string[] {
  const r = loadSpecText(text, FILE);
  return r.ok ? [] : formatErrors(r.errors).split("\n");
}

const ok = (text: string) => assert.deepEqual(problems(text), []);

test("at most two hubs: a third hub is refused at its roles, an HA pair is fine", () => {
  const hubs = ["{ name: app-1, roles: [node] }", "{ name: hub-a, roles: [hub] }", "{ name: hub-b, roles: [hub] }"];
  ok(spec({ hosts: hubs }));
  assert.deepEqual(problems(spec({ hosts: [...hubs, "{ name: hub-c, roles: [node, hub] }"] })), [
    `${FILE}:12:27 hosts[3].roles: at most two hub hosts (an HA pair); use remote_write for more`,
  ]);
});

test("images: debian-12 and debian-12-* only, unless the host exists already", () => {
  ok(spec({ hosts: ["{ name: app-1, roles: [node, hub], image: debian-12 }"] }));
  ok(spec({ hosts: ["{ name: app-1, roles: [node, hub], image: debian-12-x64 }"] }));
  ok(spec({ hosts: ["{ name: app-1, roles: [node, hub], image: ubuntu-22-04-x64, existing: { address: 203.0.113.5 } }"] }));
  assert.deepEqual(problems(spec({ hosts: ["{ name: app-1, roles: [node, hub], image: debian-123 }", "{ name: app-2, roles: [node], image: my-debian-12-x64 }"] })), [
    `${FILE}:9:47 hosts[0].image: unsupported image "debian-123": vigil provisions Debian 12 (debian-12-x64)`,
    `${FILE}:10:42 hosts[1].image: unsupported image "my-debian-12-x64": vigil provisions Debian 12 (debian-12-x64)`,
  ]);
});

test("an existing host's private address must be an IP address; its address may be a name", () => {
  ok(spec({ hosts: ["{ name: app-1, roles: [node, hub], existing: { address: db.example.com, privateAddress: 10.0.0.5 } }"] }));
  assert.deepEqual(problems(spec({ hosts: ["{ name: app-1, roles: [node, hub], existing: { address: 203.0.113.5, privateAddress: db.internal } }"] })), [
    `${FILE}:9:90 hosts[0].existing.privateAddress: "db.internal" is not an IP address`,
  ]);
});

test("the agent block: on node hosts only, and only with node_exporter", () => {
  ok(spec({ hosts: ["{ name: app-1, roles: [node], agent: { pm2: [{ user: app, apps: [api] }] } }", "{ name: monitor, roles: [hub] }"] }));
  assert.deepEqual(problems(spec({ hosts: ["{ name: app-1, roles: [node] }", "{ name: monitor, roles: [hub], agent: { pm2: [{ user: app, apps: [api] }] } }"] })), [
    `${FILE}:10:36 hosts[1].agent: the health agent runs on node hosts: add \`node\` to roles`,
  ]);
  assert.deepEqual(
    problems(spec({ hosts: ["{ name: app-1, roles: [node, hub], agent: { pm2: [{ user: app, apps: [api] }] } }"], extra: "stack: { nodeExporter: { enabled: false } }" })),
    [`${FILE}:9:40 hosts[0].agent: the agent publishes through node_exporter's textfile collector: enable stack.nodeExporter`],
  );
});

const agentHost = (agent: string) => spec({ hosts: [`name: app-1\n    roles: [node, hub]\n    agent:\n${agent}`] });

test("SQLite databases: each file once, each label once, a WAL bound within ten times the size, quick_check at most every minute", () => {
  ok(
    agentHost(`      sqlite:
        - { path: /srv/a/app.db, maxSizeMB: 10, maxWalMB: 100, integrityEvery: 60s }
        - { path: /srv/b/app.db, name: app-b, maxSizeMB: 10, integrityEvery: 1m }`),
  );
  assert.deepEqual(
    problems(
      agentHost(`      sqlite:
        - { path: /srv/a/app.db, maxSizeMB: 10, maxWalMB: 100.5 }
        - { path: /srv/a/app.db, maxSizeMB: 10, integrityEvery: 59s }
        - { path: /srv/b/app.db, maxSizeMB: 10 }`),
    ),
    [
      `${FILE}:13:59 hosts[0].agent.sqlite[0].maxWalMB: is more than ten times maxSizeMB; check the units (MB)`,
      // The same file twice is one problem (at the path repeated), not also a repeated label.
      `${FILE}:14:19 hosts[0].agent.sqlite[1].path: database "/srv/a/app.db" is listed twice (also sqlite[0])`,
      `${FILE}:14:65 hosts[0].agent.sqlite[1].integrityEvery: must be at least 1m: quick_check reads the whole file`,
      `${FILE}:15:11 hosts[0].agent.sqlite[2]: database label "app" repeats sqlite[0]; give one of them a distinct name`,
    ],
  );
});

test("a database's label is its file name without the last extension", () => {
  assert.equal(databaseLabel({ path: "/srv/app.v2.db" }), "app.v2");
  assert.equal(databaseLabel({ path: "/srv/bugs" }), "bugs");
  assert.equal(databaseLabel({ path: "/srv/bugs.db", name: "tracker" }), "tracker");
});

test("PM2 daemons: one entry per PM2_HOME (the user's own when not given)", () => {
  ok(
    agentHost(`      pm2:
        - { user: app, apps: [api] }
        - { user: app, pm2Home: /srv/pm2, apps: [worker] }`),
  );
  assert.deepEqual(
    problems(
      agentHost(`      pm2:
        - { user: app, apps: [api] }
        - { user: app, apps: [worker] }
        - { user: ops, pm2Home: /srv/pm2, apps: [a] }
        - { user: web, pm2Home: /srv/pm2, apps: [b] }`),
    ),
    [
      `${FILE}:14:11 hosts[0].agent.pm2[1]: the same PM2 daemon is listed twice (also pm2[0])`,
      `${FILE}:16:11 hosts[0].agent.pm2[3]: the same PM2 daemon is listed twice (also pm2[2])`,
    ],
  );
});

test("the VPC range: /16 to /28, as DigitalOcean accepts", () => {
  ok(spec({ extra: "vpc: { ipRange: 10.20.0.0/16 }" }));
  ok(spec({ extra: "vpc: { ipRange: 10.20.0.16/28 }" }));
  assert.deepEqual(problems(spec({ extra: "vpc: { ipRange: 10.20.0.0/15 }" })), [`${FILE}:11:17 vpc.ipRange: DigitalOcean VPCs are /16 to /28, got /15`]);
  assert.deepEqual(problems(spec({ extra: "vpc: { ipRange: 10.20.0.0/29 }" })), [`${FILE}:11:17 vpc.ipRange: DigitalOcean VPCs are /16 to /28, got /29`]);
});

test("fail2ban's ignoreIp: plain IP addresses and CIDRs; anything else is refused with the CIDR reason", () => {
  ok(spec({ extra: "stack: { fail2ban: { ignoreIp: [203.0.113.7, \"2001:db8::1\", 10.0.0.0/8] } }" }));
  assert.deepEqual(problems(spec({ extra: "stack: { fail2ban: { ignoreIp: [203.0.113.7, 10.0.0.0/33] } }" })), [
    `${FILE}:11:46 stack.fail2ban.ignoreIp[1]: "10.0.0.0/33": prefix /33 is longer than /32 (or a plain IP address)`,
  ]);
});

test("thresholds: warning strictly below critical; evaluation not faster than scrape; the agent not slower", () => {
  ok(spec({ extra: "thresholds: { cpu: { warning: 89, critical: 90 } }\nintervals: { scrape: 15s, evaluation: 15s, agent: 15s }" }));
  assert.deepEqual(problems(spec({ extra: "thresholds: { cpu: { warning: 90, critical: 90 } }\nintervals: { scrape: 15s, evaluation: 10s }" })), [
    `${FILE}:11:31 thresholds.cpu.warning: warning (90) must be below critical (90)`,
    `${FILE}:12:39 intervals.evaluation: must not be shorter than intervals.scrape`,
  ]);
});

test("uptime checks: unique names, exactly one of url, tcp, icmp, sslExpiryDays only on https", () => {
  ok(spec({ extra: "uptime:\n  - { name: api, url: https://api.example.com/, sslExpiryDays: 14 }\n  - { name: db, tcp: \"db.example.com:5432\" }" }));
  assert.deepEqual(
    problems(
      spec({
        extra: [
          "uptime:",
          "  - { name: api, url: https://api.example.com/ }",
          "  - { name: api, icmp: api.example.com }",
          "  - { name: none }",
          "  - { name: two, url: https://a.example.com/, tcp: \"a.example.com:443\" }",
          "  - { name: plain, url: http://a.example.com/, sslExpiryDays: 14 }",
          "  - { name: port, tcp: \"a.example.com:443\", sslExpiryDays: 14 }",
        ].join("\n"),
      }),
    ),
    [
      `${FILE}:13:13 uptime[1].name: duplicate uptime check name "api" (also uptime[0])`,
      `${FILE}:14:5 uptime[2]: needs one of url, tcp or icmp`,
      `${FILE}:15:5 uptime[3]: has url and tcp; give exactly one of url, tcp or icmp`,
      `${FILE}:16:48 uptime[4].sslExpiryDays: applies only to https:// checks`,
      `${FILE}:17:45 uptime[5].sslExpiryDays: applies only to https:// checks`,
    ],
  );
});

test("SLOs: unique names, exactly one SLI, both custom queries, latency only over an uptime check, a window of 1d to 90d", () => {
  const q = "sum(rate(x[{{window}}]))";
  ok(spec({ extra: `slos:\n  - { name: custom, objective: 99, errorQuery: "${q}", totalQuery: "${q}", window: 1d }` }));
  assert.deepEqual(
    problems(
      spec({
        extra: [
          "slos:",
          `  - { name: a, objective: 99, uptime: api, errorQuery: "${q}", totalQuery: "${q}" }`,
          `  - { name: a, objective: 99, errorQuery: "${q}" }`,
          `  - { name: c, objective: 99, totalQuery: "${q}", latencyMs: 300 }`,
          `  - { name: d, objective: 99, errorQuery: "${q}", totalQuery: "${q}", window: 91d }`,
        ].join("\n"),
      }),
    ),
    [
      `${FILE}:12:5 slos[0]: has both uptime and errorQuery/totalQuery; an SLO has one SLI`,
      `${FILE}:12:39 slos[0].uptime: unknown uptime check "api" (no uptime checks are defined)`,
      `${FILE}:13:13 slos[1].name: duplicate SLO name "a" (also slos[0])`,
      `${FILE}:13:31 slos[1].errorQuery: errorQuery and totalQuery go together`,
      `${FILE}:14:31 slos[2].totalQuery: errorQuery and totalQuery go together`,
      `${FILE}:14:71 slos[2].latencyMs: a latency SLO needs an uptime check (uptime: NAME)`,
      `${FILE}:15:119 slos[3].window: must be between 1d and 90d for multi-window burn-rate alerts (got 91d)`,
    ],
  );
});

test("grouping: repeat not shorter than interval", () => {
  ok(spec({ alerts: "  grouping: { interval: 5m, repeat: 5m }" }));
  assert.deepEqual(problems(spec({ alerts: "  grouping: { interval: 5m, repeat: 4m }" })), [`${FILE}:8:37 alerts.grouping.repeat: must not be shorter than grouping.interval`]);
});

test("escalation waits for the group wait of its route's severity: its own, else grouping.wait, else one evaluation (critical) or 30s", () => {
  const routes = (severity: string, after: string) => `  routes: [{ to: [hook] }, { severity: ${severity}, to: [hook], escalate: [{ after: ${after}, to: [page] }] }]`;
  const withRoute = (severity: string, after: string, grouping = "") => spec({ alerts: grouping }).replace("  routes: [{ to: [hook] }]", routes(severity, after));
  const refused = (severity: string, after: string, wait: string) => [
    `${FILE}:7:${routes(severity, after).indexOf("after: ") + 8} alerts.routes[1].escalate[0].after: must be longer than the route's group wait (${wait}): the secondary would be told before the primary`,
  ];
  // Defaults (detection-timing.ts): critical waits one evaluation (15s by default), the rest 30s.
  ok(withRoute("critical", "16s"));
  assert.deepEqual(problems(withRoute("critical", "15s")), refused("critical", "15s", "15s"));
  ok(withRoute("warning", "31s"));
  assert.deepEqual(problems(withRoute("warning", "30s")), refused("warning", "30s", "30s"));
  // A severity's own wait wins over grouping.wait; another severity's does not apply.
  const grouping = "  grouping: { wait: 1m, warning: { wait: 2m }, info: { wait: 3m } }";
  ok(withRoute("warning", "3m", grouping));
  assert.deepEqual(problems(withRoute("warning", "2m", grouping)), refused("warning", "2m", "2m"));
  ok(withRoute("info", "4m", grouping));
  assert.deepEqual(problems(withRoute("info", "3m", grouping)), refused("info", "3m", "3m"));
  ok(withRoute("critical", "2m", grouping));
  assert.deepEqual(problems(withRoute("critical", "1m", grouping)), refused("critical", "1m", "1m"));
});

test("maintenance windows: weekdays or times suffice, and hosts, alerts or match each say what is muted", () => {
  ok(
    spec({
      extra: [
        "maintenance:",
        "  - { name: a, weekdays: [sunday], hosts: [app-1] }",
        "  - { name: b, times: [\"02:00-03:00\"], alerts: [HostDown] }",
        "  - { name: c, weekdays: [\"monday:friday\"], match: { team: db } }",
      ].join("\n"),
    }),
  );
  assert.deepEqual(problems(spec({ extra: "maintenance:\n  - { name: a, times: [\"10:00-10:00\"], hosts: [app-1] }" })), [
    `${FILE}:12:24 maintenance[0].times[0]: "10:00-10:00" ends before it starts; a window across midnight is two ranges (e.g. 22:00-24:00 and 00:00-02:00 with the next weekday)`,
  ]);
});

test("custom rules: one rule per alert, severity and label set (in any order); templates checked in description and labels", () => {
  const rule = (labels: string, more = "") => `  - { alert: QueueSlow, expr: "queue_seconds > 5", summary: "slow", labels: ${labels}${more} }`;
  ok(spec({ extra: ["rules:", rule("{ team: a, tier: b }"), rule("{ team: a, tier: b }", ", severity: critical")].join("\n") }));
  assert.deepEqual(problems(spec({ extra: ["rules:", rule("{ team: a, tier: b }"), rule("{ tier: b, team: a }")].join("\n") })), [
    `${FILE}:13:14 rules[1].alert: rule "QueueSlow" with severity warning and the same labels is also rules[0]`,
  ]);
  assert.deepEqual(problems(spec({ extra: ["rules:", rule('{ team: "{{ $labels.x" }', ', description: "{{ .Value "')].join("\n") })), [
    `${FILE}:12:85 rules[0].labels.team: unclosed template action "{{" (write {{ "{{" }} for literal braces)`,
    `${FILE}:12:116 rules[0].description: unclosed template action "{{" (write {{ "{{" }} for literal braces)`,
  ]);
});

const remoteWrite = (entries: string[]) => spec({ extra: ["remoteWrite:", ...entries.map((e) => `  - ${e}`)].join("\n") });

test("remote write: credentials over plain http only to a private or loopback address", () => {
  const token = "bearerToken: { secret: t }";
  for (const host of ["10.1.2.3", "172.16.0.9", "192.168.1.1", "127.0.0.1", "[::1]", "localhost"]) {
    ok(remoteWrite([`{ name: a, url: "http://${host}:8428/api/v1/write", ${token} }`]));
  }
  ok(remoteWrite(['{ name: a, url: "http://store.example.com/w" }']));
  ok(remoteWrite([`{ name: a, url: "https://store.example.com/w", basicAuth: { username: u, password: { secret: p } } }`]));
  for (const host of ["store.example.com", "203.0.113.9", "[2001:db8::1]", "128.0.0.1"]) {
    assert.deepEqual(problems(remoteWrite([`{ name: a, url: "http://${host}/w", ${token} }`])), [
      `${FILE}:12:21 remoteWrite[0].url: plain http would send the credentials in clear text: use https (http only to a private or loopback address)`,
    ]);
  }
  assert.deepEqual(problems(remoteWrite(['{ name: a, url: "http://store.example.com/w", basicAuth: { username: u, password: { secret: p } } }'])), [
    `${FILE}:12:21 remoteWrite[0].url: plain http would send the credentials in clear text: use https (http only to a private or loopback address)`,
  ]);
});

test("remote write: unique names, one kind of credentials, headers Prometheus leaves to the user, each once", () => {
  assert.deepEqual(
    problems(
      remoteWrite([
        "{ name: a, url: https://x.example.com/w }",
        "{ name: a, url: https://y.example.com/w, bearerToken: { secret: t }, basicAuth: { username: u, password: { secret: p } } }",
        "{ name: b, url: https://z.example.com/w, headers: { Content-Type: x, Authorization: y, X-Org: a, x-org: b } }",
      ]),
    ),
    [
      `${FILE}:13:13 remoteWrite[1].name: duplicate remote write name "a" (also remoteWrite[0])`,
      `${FILE}:13:74 remoteWrite[1].basicAuth: give bearerToken or basicAuth, not both`,
      `${FILE}:14:57 remoteWrite[2].headers.Content-Type: Prometheus sets or refuses the header "Content-Type"`,
      `${FILE}:14:74 remoteWrite[2].headers.Authorization: Prometheus sets or refuses the header "Authorization": use bearerToken or basicAuth`,
      `${FILE}:14:102 remoteWrite[2].headers.x-org: header "x-org" repeats "X-Org" (header names ignore case)`,
    ],
  );
});

test("lists in messages: the uptime checks and Slack receivers there are, or that there are none", () => {
  const checks = "uptime:\n  - { name: api, url: https://api.example.com/ }\n  - { name: web, url: https://www.example.com/ }\n";
  assert.deepEqual(problems(spec({ extra: `${checks}slos:\n  - { name: s, objective: 99, uptime: apii }` })), [
    `${FILE}:15:39 slos[0].uptime: unknown uptime check "apii" (defined: api, web)`,
  ]);
  assert.deepEqual(problems(spec({ extra: "cloudAlerts: { slack: chat }" })), [
    `${FILE}:11:23 cloudAlerts.slack: unknown receiver "chat" (Slack receivers: none defined; or none)`,
  ]);
  const slacks = spec({ extra: "cloudAlerts: { slack: chat }" }).replace(
    "receivers: {",
    "receivers: { s1: { slack: { webhook: { secret: w1 } } }, s2: { slack: { webhook: { secret: w2 } } },",
  );
  assert.deepEqual(problems(slacks), [`${FILE}:11:23 cloudAlerts.slack: unknown receiver "chat" (Slack receivers: s1, s2; or none)`]);
});

test("an info route without an info grouping waits grouping.wait", () => {
  const text = spec({ alerts: "  grouping: { wait: 1m }" }).replace(
    "  routes: [{ to: [hook] }]",
    "  routes: [{ to: [hook] }, { severity: info, to: [hook], escalate: [{ after: 1m, to: [page] }] }]",
  );
  assert.deepEqual(problems(text).map((l) => l.replace(/^cc\.yaml:\d+:\d+ /, "")), [
    "alerts.routes[1].escalate[0].after: must be longer than the route's group wait (1m): the secondary would be told before the primary",
  ]);
});

test("custom rule summaries are templates too; scrape labels other than vigil's are the user's", () => {
  const rule = '  - { alert: A, expr: up, summary: "{{ $value" }';
  assert.deepEqual(problems(spec({ extra: `rules:\n${rule}` })), [`${FILE}:12:36 rules[0].summary: unclosed template action "{{" (write {{ "{{" }} for literal braces)`]);
  ok(spec({ hosts: ["{ name: app-1, roles: [node, hub], scrape: [{ name: api, port: 9464, labels: { team: db, tier: gold } }] }"] }));
});

test("the VPC range must be a network address, and private", () => {
  assert.deepEqual(problems(spec({ extra: "vpc: { ipRange: 10.20.0.1/24 }" })), [`${FILE}:11:17 vpc.ipRange: "10.20.0.1/24" has host bits set; the network is 10.20.0.0/24`]);
});

test("a remote write URL WHATWG cannot parse is refused; a 127.* host name is not loopback", () => {
  assert.deepEqual(problems(remoteWrite(['{ name: a, url: "http://[::1/w" }'])), [`${FILE}:12:21 remoteWrite[0].url: "http://[::1/w" is not a URL`]);
  assert.deepEqual(problems(remoteWrite(['{ name: a, url: "http://127.example.com/w", bearerToken: { secret: t } }'])), [
    `${FILE}:12:21 remoteWrite[0].url: plain http would send the credentials in clear text: use https (http only to a private or loopback address)`,
  ]);
});

test("heartbeats: every and grace up to 366d, grace at least two scrapes (both bounds included)", () => {
  const beat = (every: string, grace: string) => spec({ extra: `heartbeats:\n  - { name: backup, host: app-1, every: ${every}, grace: ${grace} }` });
  ok(beat("366d", "30s"));
  assert.deepEqual(problems(beat("367d", "29s")), [
    `${FILE}:12:41 heartbeats[0].every: must be at most 366d (got 367d)`,
    `${FILE}:12:54 heartbeats[0].grace: must be at least two scrapes (30s at intervals.scrape 15s): the hub sees a success up to a scrape late, and one failed scrape must not page`,
  ]);
});

test("stack.crowdsec.fleetKey without a hub is located at the key", () => {
  assert.deepEqual(problems(spec({ hosts: ["{ name: app-1, roles: [node] }"], extra: "stack: { crowdsec: { fleetKey: { secret: k } } }" })), [
    `${FILE}:10:22 stack.crowdsec.fleetKey: has no effect: CrowdSec runs as one fleet with a hub and at least one node host besides the first hub (a lone host keeps its own Local API); remove it`,
  ]);
});

test("log sources run on node hosts only: said once per host", () => {
  assert.deepEqual(problems(spec({ hosts: ["{ name: app-1, roles: [node] }", "{ name: monitor, roles: [hub], logs: [{ name: app, files: [/var/log/app.log], count: [{ name: e, regex: ERROR }] }, { name: web, files: [/var/log/web.log], count: [{ name: e, regex: ERROR }] }] }"] })), [
    `${FILE}:10:36 hosts[1].logs: mtail runs on node hosts: add \`node\` to roles`,
  ]);
  // A hub with a single log source is told too (said at the first source, not only from the second).
  assert.deepEqual(problems(spec({ hosts: ["{ name: app-1, roles: [node] }", "{ name: monitor, roles: [hub], logs: [{ name: app, files: [/var/log/app.log], count: [{ name: e, regex: ERROR }] }] }"] })), [
    `${FILE}:10:36 hosts[1].logs: mtail runs on node hosts: add \`node\` to roles`,
  ]);
});
