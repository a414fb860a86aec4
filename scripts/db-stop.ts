// npm run db:stop — stops the embedded PostgreSQL server under .data/postgres (a fast shutdown:
// connected portals and CLIs lose their sessions). With DATABASE_URL set there is nothing to stop.
import { getEnvOrExit } from "../lib/env";
import { runningPort } from "../lib/db/embedded";
import { stopEmbeddedServer } from "../lib/db/embedded-server";

const env = getEnvOrExit();
if (env.databaseUrl) {
  console.log("DATABASE_URL is set: the portal uses that server, and there is no embedded one to stop.");
} else if (runningPort(env.embeddedDataDir) === undefined) {
  console.log(`The embedded PostgreSQL in ${env.embeddedDataDir} is not running.`);
} else {
  await stopEmbeddedServer(env.embeddedDataDir);
  console.log(`Stopped the embedded PostgreSQL in ${env.embeddedDataDir}.`);
}
