// The vigil spec, written once. TypeBox gives both the TypeScript types (Static) and the JSON
// Schema that ajv validates and editors complete from (schema/vigil.schema.json, generated).
//
// Convention: a field with a `default` is declared *required* here so that `Spec` is the type
// after defaults are filled; `toJsonSchema()` (json-schema.ts) drops such fields from `required`
// so that users may omit them and ajv's `useDefaults` fills them in. Defaults live only here.
import { Type, type Static, type TSchema } from "@sinclair/typebox";

/** A name used in resource names, labels and file names. */
const Slug = (description: string) =>
  Type.String({ pattern: "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", maxLength: 63, description });

/** `30s`, `5m`, `6h`, `30d`, `1w`: the duration syntax of Prometheus without compound forms. */
export const Duration = Type.String({
  pattern: "^[1-9][0-9]*(s|m|h|d|w)$",
  description: "a duration like 30s, 5m, 6h, 30d",
});

const Percent = (description: string) => Type.Number({ minimum: 0, maximum: 100, description });

/** `{ secret: NAME }`: Pulumi config secret `vigil:NAME`, or env `VIGIL_SECRET_<NAME>` offline. */
export const SecretRef = Type.Object(
  { secret: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$", description: "secret name" }) },
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

export const SqliteDatabase = Type.Object(
  {
    path: Type.String({ pattern: "^/", description: "absolute path of the database file" }),
    name: Type.Optional(Slug("value of the `database` label (default: the file name without extension)")),
    maxSizeMB: Type.Number({ exclusiveMinimum: 0, description: "SqliteTooLarge above this size" }),
    maxWalMB: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "SqliteWalTooLarge above this WAL size" })),
    integrityEvery: Type.String({ ...Duration, default: "6h", description: "how often PRAGMA quick_check runs" }),
  },
  { additionalProperties: false },
);

export const Pm2Daemon = Type.Object(
  {
    user: Type.String({ pattern: "^[a-z_][a-z0-9_-]*$", description: "owner of the PM2 daemon" }),
    pm2Home: Type.Optional(Type.String({ pattern: "^/", description: "PM2_HOME (default ~user/.pm2)" })),
    apps: Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true, description: "expected apps" }),
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

export const Host = Type.Object(
  {
    name: Slug("host name, unique in the spec"),
    size: Type.String({ default: "s-1vcpu-1gb", pattern: "^[a-z0-9-]+$", description: "droplet size slug" }),
    image: Type.String({ default: "debian-12-x64", description: "droplet image; Debian 12 is supported" }),
    roles: Type.Array(Enum(["node", "hub"] as const, "node | hub"), { minItems: 1, uniqueItems: true }),
    existing: Type.Optional(
      Type.Object(
        {
          address: Type.String({ minLength: 1, description: "address vigil connects to over SSH" }),
          privateAddress: Type.Optional(Type.String({ description: "address other hosts use (default: address)" })),
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
        ignoreIp: Type.Array(Type.String(), { default: [], description: "IPs or CIDRs never banned" }),
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
      },
      "CrowdSec with journald acquisition",
    ),
  },
  { additionalProperties: false, default: {} },
);

const Threshold = (warning: number, critical: number, forDuration: string, percent: boolean) =>
  Type.Object(
    {
      warning: percent ? Type.Number({ minimum: 0, maximum: 100, default: warning }) : Type.Number({ exclusiveMinimum: 0, default: warning }),
      critical: percent ? Type.Number({ minimum: 0, maximum: 100, default: critical }) : Type.Number({ exclusiveMinimum: 0, default: critical }),
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
    diskFillHours: Type.Number({ exclusiveMinimum: 0, default: 24, description: "HostDiskWillFill horizon" }),
  },
  { additionalProperties: false, default: {} },
);

export const UptimeCheck = Type.Object(
  {
    name: Slug("check name; the `check` label"),
    url: Type.Optional(Type.String({ pattern: "^https?://[^\\s/]+", description: "http(s) URL" })),
    tcp: Type.Optional(Type.String({ pattern: "^[^\\s:]+:[0-9]{1,5}$", description: "host:port" })),
    icmp: Type.Optional(Type.String({ pattern: "^[^\\s:/]+$", description: "host to ping" })),
    regions: Type.Array(Enum(DO_UPTIME_REGIONS, "DigitalOcean uptime region"), {
      default: ["us_east", "eu_west"],
      minItems: 1,
      uniqueItems: true,
    }),
    latencyMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "UptimeProbeSlow above this" })),
    sslExpiryDays: Type.Optional(Type.Integer({ minimum: 1, description: "TlsCertificateExpiring below this" })),
    expectStatus: Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { default: [], description: "accepted HTTP codes (default 2xx)" }),
    alertPeriod: Enum(DO_UPTIME_ALERT_PERIODS, "how long before the DigitalOcean alert fires", { default: "5m" }),
  },
  { additionalProperties: false },
);

export const Slo = Type.Object(
  {
    name: Slug("SLO name; the `slo` label"),
    description: Type.Optional(Type.String()),
    uptime: Type.Optional(Slug("uptime check whose probes are the SLI")),
    objective: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 100, description: "percent good over the window" }),
    window: Type.String({ ...Duration, default: "30d" }),
    latencyMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "a probe slower than this is bad" })),
    errorQuery: Type.Optional(Type.String({ pattern: "\\{\\{window\\}\\}", description: "PromQL rate of bad events; {{window}} is replaced" })),
    totalQuery: Type.Optional(Type.String({ pattern: "\\{\\{window\\}\\}", description: "PromQL rate of all events; {{window}} is replaced" })),
    minEventsPerHour: Type.Number({
      minimum: 0,
      default: 0,
      description: "burn alerts stay quiet while fewer events than this per hour arrive (low-traffic guard)",
    }),
  },
  { additionalProperties: false },
);

const Receiver = Type.Object(
  {
    pagerduty: Type.Optional(
      Type.Object({ routingKey: SecretRef, url: Type.Optional(Type.String({ pattern: "^https://" })) }, { additionalProperties: false }),
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
          smarthost: Type.String({ pattern: "^[^\\s:]+:[0-9]{1,5}$", description: "host:port" }),
          username: Type.Optional(Type.String()),
          password: Type.Optional(SecretRef),
          requireTls: Type.Boolean({ default: true }),
        },
        { additionalProperties: false },
      ),
    ),
    webhook: Type.Optional(
      Type.Object(
        { url: Type.Union([Type.String({ pattern: "^https?://" }), SecretRef], { description: "an http(s) URL or { secret: NAME }" }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1, description: "exactly one of pagerduty, slack, email, webhook" },
);

export const Severity = Enum(["critical", "warning", "info"] as const, "critical | warning | info");

export const Route = Type.Object(
  {
    severity: Type.Optional(Severity),
    match: Type.Optional(Type.Record(Type.String({ pattern: "^[a-zA-Z_][a-zA-Z0-9_]*$" }), Type.String())),
    to: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true }),
    repeat: Type.Optional(Duration),
    continue: Type.Boolean({ default: false, description: "keep matching later routes" }),
  },
  { additionalProperties: false },
);

export const Alerts = Type.Object(
  {
    receivers: Type.Record(Type.String({ pattern: "^[a-z0-9][a-z0-9_-]*$" }), Receiver, { minProperties: 1 }),
    routes: Type.Array(Route, { minItems: 1 }),
    grouping: Type.Object(
      {
        by: Type.Array(Type.String(), { default: ["alertname", "host"] }),
        wait: Type.String({ ...Duration, default: "30s" }),
        interval: Type.String({ ...Duration, default: "5m" }),
        repeat: Type.String({ ...Duration, default: "4h" }),
      },
      { additionalProperties: false, default: {} },
    ),
    heartbeat: Type.Optional(Type.String({ description: "receiver of the always-firing VigilWatchdog" })),
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
    $schema: Type.Optional(Type.String()),
    version: Type.Literal(1, { description: "spec format version" }),
    environment: Slug("environment name; a Pulumi stack of this name reads this file"),
    project: Slug("prefix for every cloud resource name and tag"),
    region: Enum(DO_REGIONS, "DigitalOcean region slug"),
    vpc: Type.Object(
      { ipRange: Type.String({ default: "10.20.0.0/24", description: "private CIDR of the VPC" }) },
      { additionalProperties: false, default: {} },
    ),
    access: Type.Object(
      {
        sshKeys: Type.Array(Type.String({ pattern: "^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$" }), {
          default: [],
          description: "public keys installed on every droplet",
        }),
        sshAllowFrom: Type.Array(Type.String(), { default: [], description: "CIDRs allowed to reach SSH" }),
        user: Type.String({ default: "root", pattern: "^[a-z_][a-z0-9_-]*$", description: "provisioning user" }),
      },
      { additionalProperties: false, default: {} },
    ),
    hosts: Type.Array(Host, { minItems: 1 }),
    stack: Stack,
    intervals: Type.Object(
      { scrape: Type.String({ ...Duration, default: "15s" }), evaluation: Type.String({ ...Duration, default: "15s" }) },
      { additionalProperties: false, default: {} },
    ),
    thresholds: Thresholds,
    uptime: Type.Array(UptimeCheck, { default: [] }),
    slos: Type.Array(Slo, { default: [] }),
    alerts: Alerts,
    remoteWrite: Type.Array(RemoteWrite, { default: [], description: "long-term storage: every hub's Prometheus sends its samples to each" }),
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
export type Receiver = Static<typeof Receiver>;
export type Route = Static<typeof Route>;
export type SecretRef = Static<typeof SecretRef>;
export type Severity = "critical" | "warning" | "info";
export type Role = "node" | "hub";

export const isSecretRef = (v: unknown): v is SecretRef =>
  typeof v === "object" && v !== null && typeof (v as { secret?: unknown }).secret === "string";

