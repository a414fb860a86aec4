// Where the embedded PostgreSQL server runs, read from its own postmaster.pid: all a portal process
// needs to connect. Starting and stopping it is embedded-server.ts, which only launchers import.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const EMBEDDED_DATABASE = "portal";
export const SUPERUSER = "postgres";

/** The running server's port from postmaster.pid, if PostgreSQL says it is ready. */
export function runningPort(dataDir: string): number | undefined {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const port = Number(lines[3]);
  const pid = Number(lines[0]);
  if (!Number.isInteger(port) || port <= 0 || !processAlive(pid)) return undefined;
  return port;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export const urlFor = (port: number, database: string) => `postgresql://${SUPERUSER}@127.0.0.1:${port}/${database}`;
