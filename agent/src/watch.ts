// Immediate publication (issue 18): faults the agent can see the moment they happen trigger a
// collection at once instead of waiting for the next tick.
// - A database file deleted, renamed or re-created: inotify on its directory (fs.watch), only
//   "rename" events of that file's name, so the application's writes wake nothing. Where the
//   directory cannot be watched (no read access), the file itself is watched and each event
//   costs one stat.
// - A PM2 app exiting, going online or errored, and the daemon going away: the daemon's event bus
//   (PM2_HOME/pub.sock), read-only, subscribed only once the daemon is proven alive exactly as a
//   collection proves it (daemonAbsence), so nothing here can start a daemon.
// Watches that cannot be set up (directory missing, daemon down) are retried at every tick.
import { statSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { AgentConfig, Pm2Daemon } from "../../schema/spec-schema.ts";
import { daemonAbsence, pm2HomeOf } from "./pm2-probe.ts";
import { subscribePm2Bus, type BusSubscription } from "./pm2-rpc.ts";

/** PM2 bus events that change what a collection reports (the rest are logs and metrics). */
const STATE_EVENTS = new Set(["process:event", "process:exception"]);

export interface Watches {
  /** Sets up what is missing (called at every tick). */
  refresh(): void;
  close(): void;
}

export function watchFaults(config: AgentConfig, changed: (why: string) => void, log: (line: string) => void): Watches {
  const fileWatchers = new Map<string, FSWatcher>();
  const buses = new Map<string, BusSubscription>();

  const watchDatabase = (path: string) => {
    if (fileWatchers.has(path)) return;
    const name = basename(path);
    let exists = statExists(path);
    const onFile = () => {
      const now = statExists(path);
      if (now !== exists) changed(`${path} ${now ? "appeared" : "is gone"}`);
      exists = now;
    };
    let watcher: FSWatcher;
    try {
      watcher = watch(dirname(path), { persistent: false }, (event, file) => {
        if (event === "rename" && (file === null || file === name)) onFile();
      });
    } catch {
      try {
        // The file itself: deleting it is an attribute change (its link count), renaming it a move.
        watcher = watch(path, { persistent: false }, () => {
          onFile();
          // The watch is on the inode: once it is gone, watch the next file of that name.
          if (!exists) forget(path);
        });
      } catch {
        return; // neither there nor readable: the collection reports it, the next tick retries
      }
    }
    watcher.on("error", () => forget(path));
    fileWatchers.set(path, watcher);
  };
  const forget = (path: string) => {
    fileWatchers.get(path)?.close();
    fileWatchers.delete(path);
  };

  const subscribe = (daemon: Pm2Daemon) => {
    if (buses.has(daemon.user)) return;
    let home: string | undefined;
    try {
      home = pm2HomeOf(daemon);
    } catch {
      return;
    }
    if (home === undefined || daemonAbsence(home) !== undefined) return;
    const user = daemon.user;
    const bus = subscribePm2Bus(
      join(home, "pub.sock"),
      (event) => {
        if (STATE_EVENTS.has(event)) changed(`pm2 ${user}: ${event}`);
      },
      (why, wasConnected) => {
        if (buses.get(user) !== bus) return; // closed by close()
        buses.delete(user);
        // A bus that never connected (permissions) is no news: the collection reports it.
        if (wasConnected) changed(`pm2 ${user}: bus ended (${why})`);
      },
    );
    buses.set(user, bus);
  };

  const refresh = () => {
    for (const db of config.sqlite) watchDatabase(db.path);
    for (const daemon of config.pm2) subscribe(daemon);
  };
  refresh();
  log(`watching ${fileWatchers.size} database(s) and ${buses.size} PM2 bus(es) for immediate publication`);
  return {
    refresh,
    close() {
      for (const path of [...fileWatchers.keys()]) forget(path);
      const open = [...buses.values()];
      buses.clear();
      for (const bus of open) bus.close();
    },
  };
}

function statExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
