// Whether something accepts TCP connections at host:port: how `vigil local` tells a port in use
// (this machine's loopback before a container boots, apt-cacher-ng on the bridge) from a free one.
import { createConnection } from "node:net";

/** True when a connection to host:port is accepted within a second. */
export function portAnswers(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ port, host });
    s.setTimeout(1000);
    s.once("connect", () => (s.destroy(), done(true)));
    s.once("timeout", () => (s.destroy(), done(false)));
    s.once("error", () => done(false));
  });
}
