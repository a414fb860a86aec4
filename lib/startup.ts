// What a portal process does once, before it serves: validate config, migrate, make sure the
// component row and a first admin exist. Safe with several instances starting together.
import { getEnvOrExit } from "./env";
import { getDatabase } from "./db";
import { migrate } from "./db/migrate";
import { ensureComponentRow } from "./component";
import { ensureFirstAdmin } from "./auth/staff";
import { startJobs } from "./jobs";
import { logger } from "./logger";

export async function startPortal(): Promise<void> {
  const env = getEnvOrExit();
  // next-auth v4 builds its callback URLs from NEXTAUTH_URL.
  process.env.NEXTAUTH_URL ??= env.publicBaseUrl;
  const database = getDatabase();
  const result = await migrate(database, { log: (msg) => logger.info(msg) });
  logger.info({ applied: result.applied.length, database: env.databaseUrl ? "DATABASE_URL" : "embedded" }, "database ready");

  await ensureComponentRow(database.prisma, env.component.appid);

  const admin = await ensureFirstAdmin({ admin: env.admin, embedded: env.embedded });
  if (admin.kind === "created-generated") {
    // Printed once, on purpose outside the logger: this is the only place the password ever appears.
    console.log(
      [
        "",
        "  ┌─ Component Portal: first staff admin created ───────────────",
        `  │  email:    ${admin.email}`,
        `  │  password: ${admin.password}`,
        "  │  (shown once; set ADMIN_EMAIL/ADMIN_PASSWORD to choose your own)",
        "  └──────────────────────────────────────────────────────────────",
        "",
      ].join("\n"),
    );
  } else if (admin.kind === "missing") {
    logger.error("no staff user exists: set ADMIN_EMAIL and ADMIN_PASSWORD and restart to create the first admin");
  }

  // After migrations: the jobs read the tables those create. A portal whose jobs cannot start still
  // serves (tokens are also refreshed on demand), and health reports the growing refresh lag.
  await startJobs().catch((error: unknown) => logger.error({ err: error }, "background jobs did not start"));
}
