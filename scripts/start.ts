// npm start — the built portal (scripts/serve.mjs: the lean ingress in front of Next.js) on the
// configured database. On the embedded default it first starts the project's PostgreSQL server (or
// joins the one already running), and stops it when the portal exits if it started it and no other
// process still uses it. Arguments go to the server: -p PORT, -H HOST.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startDatabase } from "./database";

const database = await startDatabase();
console.log(`Database: ${database.description}`);

const child = spawn(process.execPath, [fileURLToPath(new URL("./serve.mjs", import.meta.url)), ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", async (code, signal) => {
  await database.release().catch((error: unknown) => console.error(error));
  process.exit(code ?? (signal ? 128 + 15 : 1));
});
