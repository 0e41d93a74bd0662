// One home for the temporary directories tests make. Each is removed when the test process exits,
// also when a test failed or threw. A process 'exit' hook rather than node:test's after(): the
// mutation runner (mutation/node-test-runner.mjs) swaps node:test for a shim that runs a file's
// after() hooks after EVERY mutant run while the module (and a directory made at its top level)
// is loaded once, so an after() there would remove a directory the next run still needs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

function removeAll(): void {
  for (const dir of made) {
    try {
      // A child a test started may still be writing there as it dies: retry briefly.
      rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
    } catch {
      // Never turn a test process's exit into a crash over a temp directory.
    }
  }
  made.clear();
}

/** Makes a fresh directory under os.tmpdir() named `${prefix}XXXXXX`; it goes when the process exits. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (made.size === 0) process.removeListener("exit", removeAll).on("exit", removeAll);
  made.add(dir);
  return dir;
}
