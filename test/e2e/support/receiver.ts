// A stand-in for Slack/PagerDuty: an HTTP server on loopback that records Alertmanager webhook
// deliveries. The container shares this machine's network, so its Alertmanager posts here directly.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedAlert {
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** When the webhook carrying it arrived (ms since epoch). */
  receivedAt: number;
  receiverPath: string;
}

export class AlertReceiver {
  readonly alerts: ReceivedAlert[] = [];
  private server: Server | undefined;
  private waiters: (() => void)[] = [];

  /** Listens on `host` (loopback by default; a fleet's bridge address for the fleet). */
  async start(port = 0, host = "127.0.0.1"): Promise<number> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { alerts?: Omit<ReceivedAlert, "receivedAt" | "receiverPath">[] };
          for (const a of body.alerts ?? []) this.alerts.push({ ...a, receivedAt: Date.now(), receiverPath: req.url ?? "/" });
        } catch {
          /* not an Alertmanager payload: ignore */
        }
        res.writeHead(200).end("ok");
        for (const w of this.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    return (this.server!.address() as AddressInfo).port;
  }

  /** Resolves with the first firing alert matching `labels` received after `since`. */
  async waitFor(
    labels: Record<string, string>,
    opts: { since: number; timeoutMs: number; status?: "firing" | "resolved"; /** only deliveries to this receiver path */ path?: string },
  ): Promise<ReceivedAlert> {
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const hit = this.alerts.find(
        (a) =>
          a.receivedAt >= opts.since &&
          a.status === (opts.status ?? "firing") &&
          (opts.path === undefined || a.receiverPath === opts.path) &&
          Object.entries(labels).every(([k, v]) => a.labels[k] === v),
      );
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = [...new Set(this.alerts.filter((a) => a.receivedAt >= opts.since).map((a) => `${a.labels.alertname}{${Object.entries(a.labels).filter(([k]) => k !== "alertname").map(([k, v]) => `${k}=${v}`).join(",")}} ${a.status}`))];
        throw new Error(`no ${opts.status ?? "firing"} alert ${JSON.stringify(labels)} within ${opts.timeoutMs / 1000}s; received since: ${seen.join("; ") || "nothing"}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  firing(since: number): ReceivedAlert[] {
    return this.alerts.filter((a) => a.receivedAt >= since && a.status === "firing");
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
