// Debian's headless Chromium for the report tests: a fresh profile per run and every background
// service off (no update checks, sync, QUIC), so the only thing it loads is the page given.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];

/** Loads a page in headless Chromium (a fresh profile, nothing of its own on the network). */
export function chromium(file: string, extra: string[] = ["--dump-dom"]): { dom: string; console: string[]; log: string } {
  const profile = mkdtempSync(join(tmpdir(), "vigil-chromium-"));
  try {
    const r = spawnSync(
      "chromium",
      [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, "--enable-logging=stderr", "--v=0", ...extra, `file://${file}`],
      { encoding: "utf8", timeout: 120_000 },
    );
    if (r.error) throw new Error(`chromium could not run (${r.error.message}); .ci/run installs it`);
    return { dom: r.stdout, console: r.stderr.split("\n").filter((l) => l.includes("CONSOLE")), log: r.stderr };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

