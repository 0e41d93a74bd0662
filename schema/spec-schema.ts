// The vigil spec, written once. TypeBox gives both the TypeScript types (Static) and the JSON
// Schema that ajv validates and editors complete from (schema/vigil.schema.json, generated).
//
// Convention: a field with a `default` is declared *required* here so that `Spec` is the type
// after defaults are filled; `toJsonSchema()` (json-schema.ts) drops such fields from `required`
// so that users may omit them and ajv's `useDefaults` fills them in. Defaults live only here.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { DERIVED_DEFAULT, NO_SLACK } from "./spec-keywords.ts";

export { DERIVED_DEFAULT, NO_SLACK };
import { WEEKDAYS } from "./time-of-week.ts";

/** A name used in resource names, labels and file names. */
const Slug = (description: string) =>
  Type.String({ pattern: "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", maxLength: 63, description });

/** `30s`, `5m`, `6h`, `30d`, `1w`: the duration syntax of Prometheus without compound forms. */
export const Duration = Type.String({
  pattern: "^[1-9][0-9]*(s|m|h|d|w)$",
  description: "a duration like 30s, 5m, 6h, 30d",
});

const Percent = (description: string, defaultValue: number) => Type.Number({ minimum: 0, maximum: 100, default: defaultValue, description });

/**
 * Free text on one line: no control characters (C0, DEL, C1). Such a value is only ever data in a
 * generated file, but a newline or a carriage return in it would still start a new line there.
 */
const SINGLE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";
const Text = (options: { description?: string; minLength?: number; maxLength?: number } = {}) =>
  Type.String({ pattern: SINGLE_LINE, maxLength: 1024, ...options });

/** An absolute path without `.`/`..` segments, empty segments or control characters. */
export const ABSOLUTE_PATH = "^(/(?!\\.\\.?(/|$))[^/\\u0000-\\u001f\\u007f-\\u009f]+)+$";

/** A Prometheus label name; `__*` names are Prometheus' own (reserved). */
export const LABEL_NAME = "^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$";

/**
 * A receiver name: Alertmanager's name and the key the routes refer to. Names with a dot, among
 * them `vigil.*`, are vigil's own (UNROUTED in provisioning/alertmanager.ts).
 */
export const RECEIVER_NAME = "^[a-z0-9][a-z0-9_-]*$";
const ReceiverName = (description: string) => Type.String({ pattern: RECEIVER_NAME, maxLength: 63, description });

/** `{ secret: NAME }`: Pulumi config secret `vigil:NAME`, or env `VIGIL_SECRET_<NAME>` offline. */
export const SecretRef = Type.Object(
  { secret: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$", maxLength: 128, description: "secret name" }) },
  { additionalProperties: false, title: "secret reference", description: "{ secret: NAME }" },
);

/** DigitalOcean region slugs that offer droplets and VPCs. */
export const DO_REGIONS = [
  "nyc1", "nyc2", "nyc3", "sfo2", "sfo3", "ams3", "sgp1", "lon1", "fra1", "tor1", "blr1", "syd1", "atl1",
] as const;
/** DigitalOcean uptime check regions: snake_case is what the API accepts (FIELD-NOTES). */
export const DO_UPTIME_REGIONS = ["us_east", "us_west", "eu_west", "se_asia"] as const;
/** DigitalOcean uptime alert periods. */
export const DO_UPTIME_ALERT_PERIODS = ["2m", "3m", "5m", "10m", "15m", "30m", "1h"] as const;

/** A string enum as one `enum` keyword (a union of literals gives ajv one error per literal). */
const Enum = <T extends readonly string[]>(values: T, description: string, extra: { default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...values], description, ...extra });

const Derived = <T extends TSchema>(schema: T): T => ({ ...schema, [DERIVED_DEFAULT]: true });

export const SqliteDatabase = Type.Object(
  {
    path: Type.String({ pattern: ABSOLUTE_PATH, maxLength: 4096, description: "absolute path of the database file" }),
    name: Type.Optional(Slug("value of the `database` label (default: the file name without extension)")),
    maxSizeMB: Type.Number({ exclusiveMinimum: 0, maximum: 1e9, description: "SqliteTooLarge above this size" }),
    maxWalMB: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e9, description: "SqliteWalTooLarge above this WAL size" })),
    integrityEvery: Type.String({ ...Duration, default: "6h", description: "how often PRAGMA quick_check runs" }),
  },
  { additionalProperties: false },
);

export const Pm2Daemon = Type.Object(
  {
    user: Type.String({ pattern: "^[a-z_][a-z0-9_-]*$", description: "owner of the PM2 daemon" }),
    pm2Home: Type.Optional(Type.String({ pattern: ABSOLUTE_PATH, maxLength: 4096, description: "PM2_HOME (default ~user/.pm2)" })),
    apps: Type.Array(Text({ minLength: 1, maxLength: 255, description: "a PM2 app name" }), { uniqueItems: true, description: "expected apps" }),
  },
  { additionalProperties: false },
);

export const AgentConfig = Type.Object(
  {
    sqlite: Type.Array(SqliteDatabase, { default: [] }),
    pm2: Type.Array(Pm2Daemon, { default: [] }),
  },
  { additionalProperties: false, description: "the vigil health agent's checks on this host" },
);

/** DigitalOcean shows a key's fingerprint as the MD5 of the key blob, in colon-separated hex. */
export const SSH_FINGERPRINT_PATTERN = "^[0-9a-f]{2}(:[0-9a-f]{2}){15}$";

/**
 * One entry of access.sshKeys. DigitalOcean accepts a public key once per account (a second upload
 * answers 422 "SSH Key is already in use on your account"), so a key that is already there is
 * named by fingerprint or name and looked up, never uploaded again.
 */
export const SshKeyEntry = Type.Union(
  [
    Type.String({
      pattern: "^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( [^\\u0000-\\u001f\\u007f-\\u009f]*)?$",
      description: "an OpenSSH public key: vigil uploads it",
    }),
    Type.Object(
      { fingerprint: Type.String({ pattern: SSH_FINGERPRINT_PATTERN, description: "MD5 fingerprint, as the control panel shows it" }) },
      { additionalProperties: false, description: "a key already on the account, by fingerprint" },
    ),
    Type.Object(
      {
        name: Type.String({
          minLength: 1,
          maxLength: 255,
          pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
          description: "the key's name on the account",
        }),
      },
      { additionalProperties: false, description: "a key already on the account, by name" },
    ),
  ],
  {
    description:
      "an OpenSSH public key line (type, base64 key, then an optional comment without control characters), { fingerprint: aa:bb:... } or { name: NAME }",
  },
);

/**
 * An application metrics endpoint on this host (prom-client, @pm2/io). The hub scrapes it at the
 * host's private address (127.0.0.1 on the hub itself) as job `app` with labels host and app=name;
 * the firewall opens the port to the VPC only.
 */
export const ScrapeTarget = Type.Object(
  {
    name: Slug("the `app` label of its series"),
    port: Type.Integer({ minimum: 1, maximum: 65535, description: "TCP port of the metrics endpoint" }),
    path: Type.String({ default: "/metrics", pattern: "^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$", maxLength: 256, description: "HTTP path" }),
    scheme: Enum(["http", "https"] as const, "http | https", { default: "http" }),
    interval: Type.Optional(Type.String({ ...Duration, description: "scrape interval (default intervals.scrape)" })),
    labels: Type.Record(Type.String({ pattern: LABEL_NAME, maxLength: 128 }), Text(), {
      additionalProperties: false,
      default: {},
      description: "extra labels on every series of the target",
    }),
  },
  { additionalProperties: false },
);

/**
 * A log file path for mtail: absolute, `*` and `?` match within one path segment (mtail's glob).
 * No `,` (it separates mtail's --logs list), no `[` `]` `\\` (glob classes and escapes), nothing a
 * shell or systemd would read (whitespace, quotes, `$`, backtick, `%`).
 */
export const LOG_FILE_PATH = "^(/(?!\\.\\.?(/|$))[A-Za-z0-9._@+=:~*?-]+)+$";

/** A systemd unit name as `services` takes it (`.service` added when there is no type suffix). */
export const UNIT_NAME = "^[A-Za-z0-9@:._-]+$";

/** One count of a log source: lines matching `regex` add 1 to vigil_log_lines_total{pattern=name}. */
export const LogCount = Type.Object(
  {
    name: Slug("the `pattern` label of the count; a count named `error` feeds LogErrorsSpike"),
    regex: Type.String({
      minLength: 1,
      maxLength: 1024,
      pattern: SINGLE_LINE,
      description: "an RE2 regular expression (mtail's syntax, not PCRE: no lookaround or backreferences); a line matching it anywhere counts once",
    }),
  },
  { additionalProperties: false },
);

/**
 * Log-derived metrics: mtail on this host counts matching lines into vigil_log_lines_total{host,
 * log, pattern}. Exactly one of files, pm2, journal.
 */
export const LogSource = Type.Object(
  {
    name: Slug("the `log` label of its series"),
    files: Type.Optional(
      Type.Array(Type.String({ pattern: LOG_FILE_PATH, maxLength: 4096, description: "an absolute path of letters, digits and ._@+=:~- (* and ? match within one path segment)" }), {
        minItems: 1,
        uniqueItems: true,
        description: "log files mtail follows (rotation included)",
      }),
    ),
    pm2: Type.Optional(
      Type.Object(
        {
          user: Type.String({ pattern: "^[a-z_][a-z0-9_-]*$", description: "owner of the PM2 daemon" }),
          app: Text({ minLength: 1, maxLength: 255, description: "the PM2 app name" }),
          pm2Home: Type.Optional(Type.String({ pattern: LOG_FILE_PATH, maxLength: 4096, description: "an absolute path, PM2_HOME (default /home/USER/.pm2, /root/.pm2 for root)" })),
        },
        { additionalProperties: false, description: "the app's PM2 logs (PM2_HOME/logs/APP-out.log and APP-error.log); every error-log line counts as pattern `error`" },
      ),
    ),
    journal: Type.Optional(
      Type.Object(
        { unit: Type.String({ pattern: UNIT_NAME, maxLength: 256, description: "a systemd unit name (letters, digits, @:._-) whose journal mtail reads" }) },
        { additionalProperties: false, description: "a unit's journal, followed by vigil-journal-NAME.service into a FIFO mtail reads" },
      ),
    ),
    count: Type.Array(LogCount, { default: [], description: "what to count (a pm2 source counts its error-log lines as `error` without it)" }),
  },
  { additionalProperties: false },
);

export const Host = Type.Object(
  {
    name: Slug("host name, unique in the spec"),
    size: Type.String({ default: "s-1vcpu-1gb", pattern: "^[a-z0-9-]+$", description: "droplet size slug" }),
    image: Type.String({ default: "debian-12-x64", pattern: "^[a-z0-9][a-z0-9._-]*$", maxLength: 128, description: "droplet image slug; Debian 12 is supported" }),
    roles: Type.Array(Enum(["node", "hub"] as const, "node | hub"), { minItems: 1, uniqueItems: true }),
    existing: Type.Optional(
      Type.Object(
        {
          address: Type.String({ format: "host", description: "address vigil connects to over SSH: an IP address or host name" }),
          privateAddress: Type.Optional(Type.String({ format: "host", description: "IP address other hosts use (default: address)" })),
          port: Type.Integer({ minimum: 1, maximum: 65535, default: 22 }),
        },
        { additionalProperties: false, description: "an existing server: provisioned, not created" },
      ),
    ),
    backups: Type.Boolean({ default: false, description: "DigitalOcean droplet backups" }),
    services: Type.Array(Type.String({ pattern: "^[A-Za-z0-9@:._-]+$" }), {
      default: [],
      uniqueItems: true,
      description: "systemd units that must stay active",
    }),
    agent: Type.Optional(AgentConfig),
    scrape: Type.Array(ScrapeTarget, { default: [], description: "the application's own metrics endpoints on this host" }),
    logs: Type.Array(LogSource, { default: [], description: "log-derived metrics: mtail counts matching lines (vigil_log_lines_total)" }),
  },
  { additionalProperties: false },
);

const Enabled = <P extends Record<string, TSchema>>(props: P, description: string) =>
  Type.Object({ enabled: Type.Boolean({ default: true }), ...props }, { additionalProperties: false, default: {}, description });

export const Stack = Type.Object(
  {
    netdata: Enabled(
      {
        notifications: Type.Boolean({ default: false, description: "Netdata's own alarm notifications" }),
        streamApiKey: Type.Optional({
          ...SecretRef,
          description:
            "{ secret: NAME } holding a UUID (uuidgen): nodes stream to the hubs' Netdata (the fleet dashboard) and keep only a short history in RAM",
        }),
      },
      "Netdata dashboard on 127.0.0.1:19999 (and the VPC address)",
    ),
    nodeExporter: Enabled({}, "Prometheus node_exporter"),
    fail2ban: Enabled(
      {
        bantime: Type.String({ ...Duration, default: "1h" }),
        findtime: Type.String({ ...Duration, default: "10m" }),
        maxretry: Type.Integer({ minimum: 1, default: 5 }),
        ignoreIp: Type.Array(Type.String({ pattern: "^[0-9A-Fa-f.:/]+$" }), { default: [], description: "IPs or CIDRs never banned" }),
      },
      "fail2ban with the sshd jail on the systemd journal",
    ),
    crowdsec: Enabled(
      {
        centralApi: Type.Boolean({ default: true, description: "share signals with and receive the community blocklist" }),
        firewallBouncer: Type.Boolean({ default: true, description: "install crowdsec-firewall-bouncer" }),
        collections: Type.Array(Type.String({ pattern: "^[a-z0-9-]+/[a-z0-9-]+$" }), {
          default: ["crowdsecurity/linux", "crowdsecurity/sshd"],
          uniqueItems: true,
        }),
        fleetKey: Type.Optional({
          ...SecretRef,
          description:
            "{ secret: NAME } holding a long random string (openssl rand -hex 32): CrowdSec runs as one fleet, the first hub runs the Local API and every node's agent and firewall bouncer use it (credentials derived per host from this secret)",
        }),
      },
      "CrowdSec with journald acquisition",
    ),
  },
  { additionalProperties: false, default: {} },
);

const Threshold = (warning: number, critical: number, forDuration: string, percent: boolean) =>
  Type.Object(
    {
      // Load is per CPU; 1000 is far beyond any real machine, and keeps the number plain in files.
      warning: percent ? Type.Number({ minimum: 0, maximum: 100, default: warning }) : Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: warning }),
      critical: percent ? Type.Number({ minimum: 0, maximum: 100, default: critical }) : Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: critical }),
      for: Type.String({ ...Duration, default: forDuration }),
    },
    { additionalProperties: false, default: {} },
  );

export const Thresholds = Type.Object(
  {
    cpu: Threshold(70, 90, "5m", true),
    memory: Threshold(80, 95, "5m", true),
    disk: Threshold(80, 90, "5m", true),
    load: Threshold(2, 5, "10m", false),
    diskFillHours: Type.Number({ exclusiveMinimum: 0, maximum: 8760, default: 24, description: "HostDiskWillFill horizon (at most a year)" }),
    inodes: Threshold(85, 95, "5m", true),
    clockSkewMs: Type.Number({ exclusiveMinimum: 0, maximum: 60000, default: 50, description: "HostClockSkew above this NTP offset (milliseconds)" }),
    fileDescriptors: Percent("HostFileDescriptorsHigh above this percent of the kernel's file-max", 80),
    conntrack: Percent("HostConntrackHigh above this percent of nf_conntrack_max", 75),
    cpuSteal: Percent("HostCpuSteal above this percent of CPU time taken by the hypervisor (a busy neighbour on a shared droplet)", 10),
    networkErrors: Percent("HostNetworkErrors above this percent of an interface's packets with errors", 1),
    logErrors: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1e9,
      default: 50,
      description: "LogErrorsSpike above this many `error` lines of one log within 5 minutes",
    }),
  },
  { additionalProperties: false, default: {} },
);

export const UptimeCheck = Type.Object(
  {
    name: Slug("check name; the `check` label"),
    url: Type.Optional(Type.String({ format: "http-url", maxLength: 2048, description: "http(s) URL" })),
    tcp: Type.Optional(Type.String({ format: "host-port", maxLength: 260, description: "host:port" })),
    icmp: Type.Optional(Type.String({ format: "host", maxLength: 253, description: "host to ping" })),
    regions: Type.Array(Enum(DO_UPTIME_REGIONS, "DigitalOcean uptime region"), {
      default: ["us_east", "eu_west"],
      minItems: 1,
      uniqueItems: true,
    }),
    // An integer: it becomes the threshold of DigitalOcean's latency alert, which the API takes
    // as an integer number of milliseconds.
    latencyMs: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 600000, description: "UptimeProbeSlow (and DigitalOcean's latency alert) above this many ms" }),
    ),
    sslExpiryDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: "TlsCertificateExpiring below this" })),
    expectStatus: Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { default: [], description: "accepted HTTP codes (default 2xx)" }),
    alertPeriod: Enum(DO_UPTIME_ALERT_PERIODS, "how long before the DigitalOcean alert fires", { default: "5m" }),
  },
  { additionalProperties: false },
);

export const Slo = Type.Object(
  {
    name: Slug("SLO name; the `slo` label"),
    description: Type.Optional(Text()),
    uptime: Type.Optional(Slug("uptime check whose probes are the SLI")),
    objective: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 100, description: "percent good over the window" }),
    window: Type.String({ ...Duration, default: "30d" }),
    latencyMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 600000, description: "a probe slower than this is bad" })),
    errorQuery: Type.Optional(Type.String({ pattern: "\\{\\{window\\}\\}", maxLength: 8192, description: "PromQL rate of bad events; {{window}} is replaced" })),
    totalQuery: Type.Optional(Type.String({ pattern: "\\{\\{window\\}\\}", maxLength: 8192, description: "PromQL rate of all events; {{window}} is replaced" })),
    minEventsPerHour: Type.Number({
      minimum: 0,
      maximum: 1e9,
      default: 0,
      description: "burn alerts stay quiet while fewer events than this per hour arrive (low-traffic guard)",
    }),
  },
  { additionalProperties: false },
);

const Receiver = Type.Object(
  {
    pagerduty: Type.Optional(
      Type.Object({ routingKey: SecretRef, url: Type.Optional(Type.String({ format: "https-url", maxLength: 2048 })) }, { additionalProperties: false }),
    ),
    slack: Type.Optional(
      Type.Object(
        { webhook: SecretRef, channel: Type.Optional(Type.String({ pattern: "^[#@]?[a-z0-9._-]+$" })) },
        { additionalProperties: false },
      ),
    ),
    email: Type.Optional(
      Type.Object(
        {
          to: Type.Array(Type.String({ format: "email" }), { minItems: 1 }),
          from: Type.String({ format: "email" }),
          smarthost: Type.String({ format: "host-port", description: "host:port" }),
          username: Type.Optional(Text({ minLength: 1, maxLength: 255 })),
          password: Type.Optional(SecretRef),
          requireTls: Type.Boolean({ default: true }),
        },
        { additionalProperties: false },
      ),
    ),
    webhook: Type.Optional(
      Type.Object(
        { url: Type.Union([Type.String({ format: "http-url", maxLength: 2048 }), SecretRef], { description: "an http(s) URL or { secret: NAME }" }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1, description: "exactly one of pagerduty, slack, email, webhook" },
);

/**
 * Where DigitalOcean's own alerts (uptime and monitor alerts) go: the path that works when the hub
 * is down. DigitalOcean e-mails only addresses verified on the account, so they are listed here
 * rather than taken from Alertmanager's e-mail receivers. Without this block the alerts go to the
 * e-mail and Slack receivers the spec routes critical alerts to (schema/alert-routing.ts).
 */
export const CloudAlerts = Type.Object(
  {
    emails: Type.Array(Type.String({ format: "email" }), {
      default: [],
      uniqueItems: true,
      description: "addresses verified on the DigitalOcean account",
    }),
    slack: Type.String({
      default: NO_SLACK,
      pattern: "^[a-z0-9][a-z0-9_-]*$",
      description: "a Slack receiver of alerts.receivers (its webhook and channel), or none",
    }),
  },
  { additionalProperties: false, description: "recipients of DigitalOcean's uptime and monitor alerts" },
);

export const Severity = Enum(["critical", "warning", "info"] as const, "critical | warning | info");

/** A Prometheus metric / alert name. */
export const ALERT_NAME_PATTERN = "^[a-zA-Z_:][a-zA-Z0-9_:]*$";

/** Label matchers `{ label: value }` (equality, all must hold); a closed map. */
const LabelMatch = (description: string) =>
  Type.Record(Type.String({ pattern: LABEL_NAME }), Type.String({ maxLength: 1024 }), { additionalProperties: false, minProperties: 1, description });

export const Escalation = Type.Object(
  {
    after: Type.String({ ...Duration, description: "notify `to` too when an alert of the route is still firing this long after it started" }),
    to: Type.Array(ReceiverName("receiver name"), { minItems: 1, uniqueItems: true, description: "the receivers added (a secondary on-call)" }),
  },
  { additionalProperties: false },
);

export const Route = Type.Object(
  {
    severity: Type.Optional(Severity),
    // Label values may hold any text (tabs, quotes, braces): they are escaped by Alertmanager's rules.
    match: Type.Optional(
      Type.Record(Type.String({ pattern: LABEL_NAME }), Type.String({ maxLength: 1024 }), {
        additionalProperties: false,
        description: "label name -> exact value",
      }),
    ),
    to: Type.Array(ReceiverName("receiver name"), { minItems: 1, uniqueItems: true }),
    repeat: Type.Optional(Duration),
    continue: Type.Boolean({ default: false, description: "keep matching later routes" }),
    escalate: Type.Optional(
      Type.Array(Escalation, {
        minItems: 1,
        description: "receivers added when an alert is STILL FIRING after a delay (not 'unacknowledged': Alertmanager has no acknowledgement)",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Grouping of one severity's notifications (P3-style batching); unset fields come from alerts.grouping. */
const SeverityGrouping = (description: string) =>
  Type.Optional(
    Type.Object(
      {
        by: Type.Optional(Type.Array(Type.String({ pattern: LABEL_NAME }), { minItems: 1, uniqueItems: true })),
        wait: Type.Optional(Duration),
        interval: Type.Optional(Duration),
        repeat: Type.Optional(Duration),
      },
      { additionalProperties: false, minProperties: 1, description },
    ),
  );

const WEEKDAY = `(${WEEKDAYS.join("|")})`;
const CLOCK = "([01][0-9]|2[0-3]):[0-5][0-9]";

export const MaintenanceWindow = Type.Object(
  {
    name: Slug("window name (an Alertmanager time interval of this name)"),
    weekdays: Type.Optional(
      Type.Array(Type.String({ pattern: `^${WEEKDAY}(:${WEEKDAY})?$`, description: "a day or a range within sunday..saturday: monday, monday:friday" }), {
        minItems: 1,
        uniqueItems: true,
      }),
    ),
    times: Type.Optional(
      Type.Array(Type.String({ pattern: `^${CLOCK}-(${CLOCK}|24:00)$`, description: "HH:MM-HH:MM in the window's time zone, end excluded" }), {
        minItems: 1,
        uniqueItems: true,
      }),
    ),
    timezone: Type.String({ default: "UTC", pattern: "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$", description: "IANA time zone, e.g. Europe/Berlin" }),
    hosts: Type.Optional(Type.Array(Slug("a host of the spec"), { minItems: 1, uniqueItems: true, description: "mute these hosts' alerts" })),
    alerts: Type.Optional(
      Type.Array(Type.String({ pattern: ALERT_NAME_PATTERN }), { minItems: 1, uniqueItems: true, description: "mute these alert names" }),
    ),
    match: Type.Optional(LabelMatch("mute alerts carrying all these labels")),
  },
  { additionalProperties: false, description: "recurring window in which notifications of the alerts it names are muted (alerts still fire)" },
);

export const Alerts = Type.Object(
  {
    receivers: Type.Record(Type.String({ pattern: RECEIVER_NAME }), Receiver, { minProperties: 1, additionalProperties: false, description: "receivers by name" }),
    confirm: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description: "consecutive bad evaluations before a state alert fires: its `for` is confirm x intervals.evaluation",
    }),
    routes: Type.Array(Route, { minItems: 1 }),
    grouping: Type.Object(
      {
        by: Type.Array(Type.String({ pattern: "^(\\.\\.\\.|(?!__)[a-zA-Z_][a-zA-Z0-9_]*)$" }), {
          default: ["alertname", "host"],
          uniqueItems: true,
          description: "label names, or [...] for all labels",
        }),
        wait: Type.Optional(
          Type.String({
            ...Duration,
            description: "Alertmanager group_wait for every alert (default: intervals.evaluation for critical alerts, 30s for the rest)",
          }),
        ),
        interval: Type.String({ ...Duration, default: "5m" }),
        repeat: Type.String({ ...Duration, default: "4h" }),
        warning: SeverityGrouping("grouping of warning notifications (e.g. a longer interval)"),
        info: SeverityGrouping("grouping of info notifications (e.g. a daily repeat)"),
      },
      { additionalProperties: false, default: {} },
    ),
    heartbeat: Type.Optional(ReceiverName("receiver of the always-firing VigilWatchdog")),
  },
  { additionalProperties: false },
);

const LabelName = Type.String({ pattern: LABEL_NAME, maxLength: 128 });

/**
 * A custom alert rule on the application's own metrics. `expr` is parsed at validate time
 * (schema/promql.ts); summary and description are Prometheus templates ({{ $labels.x }},
 * {{ $value }}), checked by promtool on the hub before the rule file is loaded.
 */
export const AlertRule = Type.Object(
  {
    alert: Type.String({ pattern: "^[A-Z][A-Za-z0-9_]*$", maxLength: 100, description: "alert name, CamelCase" }),
    expr: Type.String({ minLength: 1, maxLength: 8192, description: "PromQL; the alert fires for every series it returns" }),
    for: Type.Optional(Type.String({ ...Duration, description: "how long expr must hold (default: the confirm window, alerts.confirm x intervals.evaluation)" })),
    severity: Enum(["critical", "warning", "info"] as const, "critical | warning | info; routed like vigil's own alerts", { default: "warning" }),
    summary: Text({ minLength: 1, maxLength: 1024, description: "one line; a Prometheus template" }),
    description: Type.Optional(Type.String({ maxLength: 4096, description: "a Prometheus template" })),
    labels: Type.Record(LabelName, Text(), { additionalProperties: false, default: {}, description: "extra labels (routes can match them)" }),
    runbook: Type.Optional(Type.String({ format: "http-url", maxLength: 2048, description: "runbook URL (annotation runbook_url)" })),
  },
  { additionalProperties: false },
);

/**
 * A job that must succeed regularly (a cron job, a backup, a systemd timer): it calls
 * `vigil-heartbeat NAME` on its host after each success (provisioning/node/heartbeats.ts), and
 * HeartbeatMissed pages when `every + grace` passes without one (rules/heartbeat-rules.ts).
 */
export const Heartbeat = Type.Object(
  {
    name: Slug("heartbeat name, unique in the spec: the argument of vigil-heartbeat and the `heartbeat` label"),
    host: Slug("the host (with the node role) the job runs on"),
    every: Type.String({ ...Duration, description: "how often the job succeeds when all is well (its schedule: 1d for a nightly backup)" }),
    grace: Type.String({ ...Duration, default: "5m", description: "how late a success may be before HeartbeatMissed (the job's own run time, a slow night)" }),
  },
  { additionalProperties: false },
);

/** A store Prometheus sends every sample to (`remote_write`): VictoriaMetrics, Mimir, Thanos Receive... */
export const RemoteWrite = Type.Object(
  {
    name: Slug("name of this remote write; Prometheus' remote_write `name` and its metrics' `remote_name`"),
    url: Type.String({ pattern: "^https?://[^\\s/?#@]+(/[^\\s#]*)?$", description: "the store's push URL (e.g. https://mimir.example.com/api/v1/push)" }),
    bearerToken: Type.Optional(SecretRef),
    basicAuth: Type.Optional(
      Type.Object(
        {
          username: Type.String({ minLength: 1, maxLength: 256, pattern: "^[^\\x00-\\x1f\\x7f:]+$", description: "user name (no colon)" }),
          password: SecretRef,
        },
        { additionalProperties: false },
      ),
    ),
    headers: Type.Optional(
      Type.Record(
        Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", maxLength: 128, description: "HTTP header name" }),
        Type.String({ pattern: "^[^\\x00-\\x1f\\x7f]*$", maxLength: 1024, description: "header value (not a secret: credentials go in bearerToken or basicAuth)" }),
        { additionalProperties: false, description: "extra HTTP headers, e.g. X-Scope-OrgID for a Mimir tenant" },
      ),
    ),
  },
  { additionalProperties: false, description: "one remote_write target; at most one of bearerToken, basicAuth" },
);

export const SpecSchema = Type.Object(
  {
    $schema: Type.Optional(Text()),
    version: Type.Literal(1, { description: "spec format version" }),
    environment: Slug("environment name; a Pulumi stack of this name reads this file"),
    project: Slug("prefix for every cloud resource name and tag"),
    region: Enum(DO_REGIONS, "DigitalOcean region slug"),
    vpc: Type.Object(
      {
        ipRange: Derived(
          Type.String({
            pattern: "^[0-9./]+$",
            description:
              "private CIDR of the VPC; default: a /24 in 10.0.0.0/8 derived from project and environment (schema/vpc-range.ts)",
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    access: Type.Object(
      {
        sshKeys: Type.Array(SshKeyEntry, {
          default: [],
          description: "keys installed on every droplet: a public key vigil uploads, or { fingerprint } / { name } of a key already on the account",
        }),
        sshAllowFrom: Type.Array(Type.String({ pattern: "^[0-9A-Fa-f.:/]+$" }), { default: [], description: "CIDRs allowed to reach SSH" }),
        user: Type.String({ default: "root", pattern: "^[a-z_][a-z0-9_-]*$", description: "provisioning user" }),
      },
      { additionalProperties: false, default: {} },
    ),
    hosts: Type.Array(Host, { minItems: 1 }),
    stack: Stack,
    intervals: Type.Object(
      {
        scrape: Type.String({ ...Duration, default: "15s", description: "how often the hub scrapes every target" }),
        evaluation: Type.String({ ...Duration, default: "15s", description: "how often the hub evaluates the alert rules" }),
        agent: Type.Optional(
          Type.String({
            ...Duration,
            description: "how often the vigil agent collects (default: intervals.scrape; never slower than it)",
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    thresholds: Thresholds,
    uptime: Type.Array(UptimeCheck, { default: [] }),
    slos: Type.Array(Slo, { default: [] }),
    alerts: Alerts,
    cloudAlerts: Type.Optional(CloudAlerts),
    maintenance: Type.Array(MaintenanceWindow, {
      default: [],
      maxItems: 8,
      description: "recurring maintenance windows (at most 8: windows that can overlap are rendered as nested Alertmanager routes)",
    }),
    rules: Type.Array(AlertRule, { default: [], description: "custom alert rules on the application's metrics" }),
    remoteWrite: Type.Array(RemoteWrite, { default: [], description: "long-term storage: every hub's Prometheus sends its samples to each" }),
    heartbeats: Type.Array(Heartbeat, { default: [], description: "cron jobs and backups that must report success: vigil-heartbeat NAME on the host" }),
  },
  { additionalProperties: false, $id: "vigil.schema.json", title: "vigil spec" },
);

/** A spec after validation, with every default filled in. */
export type Spec = Static<typeof SpecSchema>;
export type Host = Static<typeof Host>;
export type AgentConfig = Static<typeof AgentConfig>;
export type SqliteDatabase = Static<typeof SqliteDatabase>;
export type Pm2Daemon = Static<typeof Pm2Daemon>;
export type Thresholds = Static<typeof Thresholds>;
export type UptimeCheck = Static<typeof UptimeCheck>;
export type Slo = Static<typeof Slo>;
export type AlertRule = Static<typeof AlertRule>;
export type Heartbeat = Static<typeof Heartbeat>;
export type ScrapeTarget = Static<typeof ScrapeTarget>;
export type LogSource = Static<typeof LogSource>;
export type LogCount = Static<typeof LogCount>;
export type Receiver = Static<typeof Receiver>;
export type Route = Static<typeof Route>;
export type Escalation = Static<typeof Escalation>;
export type MaintenanceWindow = Static<typeof MaintenanceWindow>;
export type SecretRef = Static<typeof SecretRef>;
export type SshKeyEntry = Static<typeof SshKeyEntry>;
export type CloudAlerts = Static<typeof CloudAlerts>;
export type Severity = "critical" | "warning" | "info";
export type Role = "node" | "hub";

export const isSecretRef = (v: unknown): v is SecretRef =>
  typeof v === "object" && v !== null && typeof (v as { secret?: unknown }).secret === "string";


