// A read-only client of a PM2 daemon's RPC socket (PM2_HOME/rpc.sock), speaking what PM2's own
// client speaks (pm2-axon "req" socket + pm2-axon-rpc over the AMP framing) but with none of its
// behaviour around the call: it never spawns a daemon, never reconnects, never exits the
// process. A connection error (ENOENT, ECONNREFUSED, EACCES) is a rejected promise.
//
// AMP frame: one byte (version 1 << 4 | argc), then per argument a 4-byte big-endian length and
// the bytes; an argument is "j:" + JSON or "s:" + text. A request is [call, id]; the reply is
// [{ args } | { error }, id]. (The amp-message package does the same with the deprecated
// `new Buffer`, which prints a DeprecationWarning once bundled outside node_modules.)
import { createConnection } from "node:net";

const AMP_VERSION = 1;

export function encodeFrame(args: readonly unknown[]): Buffer {
  const parts = args.map((a) => Buffer.from(typeof a === "string" ? `s:${a}` : `j:${JSON.stringify(a ?? null)}`, "utf8"));
  const out = Buffer.alloc(1 + parts.reduce((n, p) => n + 4 + p.length, 0));
  let off = 0;
  out[off++] = (AMP_VERSION << 4) | parts.length;
  for (const p of parts) {
    out.writeUInt32BE(p.length, off);
    off += 4;
    p.copy(out, off);
    off += p.length;
  }
  return out;
}

/** Decodes every complete frame at the start of `buf`; returns them and the unused rest. */
export function decodeFrames(buf: Buffer): { frames: unknown[][]; rest: Buffer } {
  const frames: unknown[][] = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 1) break;
    const argc = buf[off]! & 0x0f;
    let cursor = off + 1;
    const args: unknown[] = [];
    let complete = true;
    for (let i = 0; i < argc; i++) {
      if (buf.length - cursor < 4) {
        complete = false;
        break;
      }
      const len = buf.readUInt32BE(cursor);
      if (buf.length - cursor - 4 < len) {
        complete = false;
        break;
      }
      const raw = buf.subarray(cursor + 4, cursor + 4 + len);
      cursor += 4 + len;
      const tag = raw.subarray(0, 2).toString("latin1");
      args.push(tag === "j:" ? JSON.parse(raw.subarray(2).toString("utf8")) : tag === "s:" ? raw.subarray(2).toString("utf8") : raw);
    }
    if (!complete) break;
    frames.push(args);
    off = cursor;
  }
  return { frames, rest: buf.subarray(off) };
}

/** Calls `method` on the daemon behind `socketPath`; rejects on any error or after `timeoutMs`. */
export function callPm2(socketPath: string, method: string, args: readonly unknown[], timeoutMs: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const id = `vigil-agent-${process.pid}:0`;
    let pending: Buffer = Buffer.alloc(0);
    let settled = false;
    const socket = createConnection({ path: socketPath });
    const finish = (err: Error | null, value?: unknown[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? []);
    };
    const timer = setTimeout(() => finish(new Error(`no answer from ${socketPath} within ${timeoutMs} ms`)), timeoutMs);
    socket.on("error", (err: NodeJS.ErrnoException) => finish(new Error(`${socketPath}: ${err.code ?? err.message}`)));
    socket.on("close", () => finish(new Error(`${socketPath}: connection closed before the answer`)));
    socket.on("connect", () => socket.write(encodeFrame([{ type: "call", method, args }, id])));
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      let decoded: ReturnType<typeof decodeFrames>;
      try {
        decoded = decodeFrames(pending);
      } catch (err) {
        return finish(new Error(`unreadable answer from ${socketPath}: ${(err as Error).message}`));
      }
      pending = decoded.rest;
      for (const frame of decoded.frames) {
        if (frame[frame.length - 1] !== id) continue;
        const reply = frame[0] as { error?: unknown; args?: unknown[] } | undefined;
        if (reply && reply.error !== undefined) return finish(new Error(`PM2 ${method}: ${String(reply.error)}`));
        return finish(null, Array.isArray(reply?.args) ? reply.args : []);
      }
    });
  });
}

/**
 * The event name (first argument) of every complete frame at the start of `buf`, without parsing
 * the rest: the bus carries every log line of every app too, and only the names matter here.
 */
export function frameEventNames(buf: Buffer): { names: string[]; rest: Buffer } {
  const names: string[] = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 1) break;
    const argc = buf[off]! & 0x0f;
    let cursor = off + 1;
    let name = "";
    let complete = true;
    for (let i = 0; i < argc; i++) {
      if (buf.length - cursor < 4) {
        complete = false;
        break;
      }
      const len = buf.readUInt32BE(cursor);
      if (buf.length - cursor - 4 < len) {
        complete = false;
        break;
      }
      if (i === 0 && buf.subarray(cursor + 4, cursor + 6).toString("latin1") === "s:") name = buf.subarray(cursor + 6, cursor + 4 + len).toString("utf8");
      cursor += 4 + len;
    }
    if (!complete) break;
    names.push(name);
    off = cursor;
  }
  return { names, rest: buf.subarray(off) };
}

export interface BusSubscription {
  close(): void;
}

/**
 * Listens to a PM2 daemon's event bus (PM2_HOME/pub.sock, an axon pub socket: AMP frames of
 * [event, data]), as PM2's own `pm2 logs` does, but only reading: nothing is ever sent, and
 * nothing is retried here (the caller re-subscribes once the daemon is proven alive again).
 * `onEvent` gets each event's name ("process:event" for exit, online, restart overlimit...);
 * `onEnd` is called once when the connection fails or closes, with whether it had been
 * connected (then the daemon is gone or restarting).
 */
export function subscribePm2Bus(
  socketPath: string,
  onEvent: (name: string) => void,
  onEnd: (why: string, wasConnected: boolean) => void,
): BusSubscription {
  let pending: Buffer = Buffer.alloc(0);
  let ended = false;
  let connected = false;
  const socket = createConnection({ path: socketPath });
  socket.on("connect", () => (connected = true));
  const end = (why: string) => {
    if (ended) return;
    ended = true;
    socket.destroy();
    onEnd(why, connected);
  };
  socket.on("error", (err: NodeJS.ErrnoException) => end(`${socketPath}: ${err.code ?? err.message}`));
  socket.on("close", () => end(`${socketPath}: closed`));
  socket.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const { names, rest } = frameEventNames(pending);
    // A frame claiming more than 64 MiB is not PM2 talking: drop the connection, not the agent.
    if (rest.length > 64 << 20) return end(`${socketPath}: unreadable stream`);
    pending = rest.length === 0 ? Buffer.alloc(0) : Buffer.from(rest);
    for (const name of names) onEvent(name);
  });
  return { close: () => end("closed by the agent") };
}
