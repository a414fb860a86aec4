// npm start — the built portal (next start) on the configured database. On the embedded default it
// first starts the project's PostgreSQL server (or joins the one already running), and stops it
// when the portal exits if it started it and no other process still uses it.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { startDatabase } from "./database";

const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const database = await startDatabase();
console.log(`Database: ${database.description}`);

const child = spawn(process.execPath, [nextBin, "start", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", async (code, signal) => {
  await database.release().catch((error: unknown) => console.error(error));
  process.exit(code ?? (signal ? 128 + 15 : 1));
});
