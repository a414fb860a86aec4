// npm run soak — the fault and load suite against the built portal (NEXT_DIST_DIR=.next-soak, built
// first if missing): a database outage under pushes, kill -9 mid-refresh, three instances through
// an accelerated WeChat day with 1,000 authorizers, and hostile anonymous load. Loopback only: each
// scenario runs its own PostgreSQL server in a temporary folder and the WeChat sandbox in this
// process. Prints one row per scenario and exits 1 if anything was lost or a check failed, 2 if the
// soak ran past its time limit.
//   npm run soak [-- --only outage,kill,instances,hostile] [--rebuild] [--authorizers 1000]
//                [--clock 60] [--tick-every 5] [--day 86400] [--rounds 8] [--concurrency 200] [--limit-minutes 60]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { crashed, passed, printReport, type ScenarioResult } from "./report";
import { SOAK_DIST_DIR, soakSecrets } from "./settings";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    rebuild: { type: "boolean", default: false },
    authorizers: { type: "string", default: "1000" },
    clock: { type: "string", default: "60" },
    "tick-every": { type: "string", default: "5" },
    day: { type: "string", default: "86400" },
    rounds: { type: "string", default: "8" },
    concurrency: { type: "string", default: "200" },
    "limit-minutes": { type: "string", default: "60" },
  },
});

// This process seals seeded tokens and reads the scenarios' databases: it gets the portals' keys,
// and never the developer's database or data folder.
delete process.env.DATABASE_URL;
const driverDir = mkdtempSync(join(tmpdir(), "portal-soak-driver-"));
process.once("exit", () => rmSync(driverDir, { recursive: true, force: true }));
process.env.DATA_DIR = driverDir;
process.env.LOG_LEVEL = "silent";
process.env.NEXT_DIST_DIR = SOAK_DIST_DIR;
Object.assign(process.env, soakSecrets);

const { stopEverything } = await import("./harness");
const stopNow = (message: string, code: number) => {
  console.error(`\nsoak: ${message}; stopping every portal process and database server (exit ${code})`);
  void stopEverything().finally(() => process.exit(code));
};
const limitMs = Number(values["limit-minutes"]) * 60_000;
const deadline = setTimeout(() => stopNow(`still running after ${values["limit-minutes"]} minutes`, 2), limitMs);
process.once("SIGINT", () => stopNow("interrupted", 130));
process.once("SIGTERM", () => stopNow("terminated", 143));

const { buildPortal } = await import("../../scripts/portal-server");
const { runDatabaseOutage } = await import("./database-outage");
const { runKillMidRefresh } = await import("./kill-mid-refresh");
const { runThreeInstances } = await import("./three-instances");
const { runHostileLoad } = await import("./hostile-load");

const scenarios: { key: string; name: string; run: () => Promise<ScenarioResult> }[] = [
  { key: "outage", name: "1. database outage", run: () => runDatabaseOutage() },
  { key: "kill", name: "2. kill -9 mid-refresh", run: () => runKillMidRefresh({ rounds: Number(values.rounds) }) },
  {
    key: "instances",
    name: "3. three instances, accelerated day",
    run: () =>
      runThreeInstances({
        authorizers: Number(values.authorizers),
        clock: Number(values.clock),
        tickEverySeconds: Number(values["tick-every"]),
        daySeconds: Number(values.day),
      }),
  },
  { key: "hostile", name: "4. hostile load", run: () => runHostileLoad({ concurrency: Number(values.concurrency) }) },
];
const only = values.only?.split(",").map((key) => key.trim());
const selected = only ? scenarios.filter((scenario) => only.includes(scenario.key)) : scenarios;
if (selected.length === 0) {
  console.error(`soak: --only takes ${scenarios.map((scenario) => scenario.key).join(", ")}`);
  process.exit(1);
}

buildPortal({ force: values.rebuild });
const results: ScenarioResult[] = [];
for (const scenario of selected) {
  console.log(`soak: ${scenario.name}…`);
  const started = Date.now();
  try {
    results.push(await scenario.run());
  } catch (error) {
    results.push(crashed(scenario.name, error, Math.round((Date.now() - started) / 1000)));
  }
  const last = results.at(-1)!;
  console.log(`soak: ${scenario.name}: ${passed(last) ? "pass" : "FAIL"} (${last.seconds} s)`);
}
printReport(results);
clearTimeout(deadline);
process.exit(results.every(passed) ? 0 : 1);
