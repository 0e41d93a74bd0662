// The e2e tests' own local target: a separate state dir and SSH port from a developer's
// `vigil local`, the same cached root tarball. The machine-wide slot makes a second run wait.
import { localOptions, type LocalOptions } from "../../../bin/local-target.ts";

export const E2E_PORT = Number(process.env.VIGIL_E2E_PORT ?? 2223);

export function e2eOptions(log: (line: string) => void = (l) => process.stderr.write(`# ${l}\n`)): LocalOptions {
  return localOptions({ ...process.env, VIGIL_LOCAL_DIR: process.env.VIGIL_E2E_DIR ?? "/var/lib/vigil-e2e", VIGIL_LOCAL_PORT: String(E2E_PORT) }, log);
}

/** How long a run waits for another run's container to go before failing. */
export const SLOT_WAIT_MS = 20 * 60_000;
