// Starts the built portal (scripts/serve.mjs: the lean ingress in front of Next.js, as `npm start`
// runs it) as a child process with the given settings, building first when there is no build yet.
// Shared by the demo launcher, the e2e harness and the benchmarks.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const nextBin = require.resolve("next/dist/bin/next");
const serveScript = fileURLToPath(new URL("./serve.mjs", import.meta.url));

/**
 * Where the demo's two servers listen: loopback unless DEMO_HOST says otherwise (0.0.0.0 to show
 * the demo to a phone on the same network), so a demo with its seeded admin is not on the network.
 */
export const demoListenHost = (env: Record<string, string | undefined> = process.env) => env.DEMO_HOST?.trim() || "127.0.0.1";

/** The arguments for `node` that run the built portal on `port`, listening on `host`. */
export const portalServerArgs = ({ port, host, script = serveScript }: { port: number; host: string; script?: string }) => [
  script,
  "-p",
  String(port),
  "-H",
  host,
];

export function buildPortal({ force = false }: { force?: boolean } = {}): void {
  if (!force && existsSync(`${process.env.NEXT_DIST_DIR ?? ".next"}/BUILD_ID`)) return;
  console.log("Building the portal (next build)…");
  const r = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) throw new Error("next build failed");
}

export function startPortal({
  port,
  host = "127.0.0.1",
  env,
  nodeArgs = [],
  checkout,
}: {
  port: number;
  host?: string;
  env: Record<string, string | undefined>;
  /** Options for node itself (--cpu-prof, which NODE_OPTIONS may not carry). */
  nodeArgs?: string[];
  /** Another checkout of the portal, built there, to run instead of this one (the benchmarks' "before"). */
  checkout?: string;
}): ChildProcess {
  const script = checkout ? `${checkout}/scripts/serve.mjs` : serveScript;
  const child = spawn(process.execPath, [...nodeArgs, ...portalServerArgs({ port, host, script })], {
    cwd: checkout,
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
