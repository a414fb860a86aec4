// Starts the built portal (next start) as a child process with the given settings, building first
// when there is no build yet. Shared by the demo launcher and the e2e harness.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const nextBin = require.resolve("next/dist/bin/next");

export function buildPortal({ force = false }: { force?: boolean } = {}): void {
  if (!force && existsSync(`${process.env.NEXT_DIST_DIR ?? ".next"}/BUILD_ID`)) return;
  console.log("Building the portal (next build)…");
  const r = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) throw new Error("next build failed");
}

export function startPortal({ port, env }: { port: number; env: Record<string, string | undefined> }): ChildProcess {
  const child = spawn(process.execPath, [nextBin, "start", "-p", String(port)], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
  });
  // `on`, not `once`: a Ctrl+C reaches this process twice (from the terminal and relayed by tsx), and
  // the second must not kill the launcher before it has cleaned up after the portal.
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return child;
}
