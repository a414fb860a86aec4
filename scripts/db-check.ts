// npm run db:check — do prisma/migrations build what prisma/schema.prisma describes? Applies every
// migration to a new, empty database (on DATABASE_URL's server, or on a PostgreSQL server of its own in
// a temporary folder), compares, drops it. Exit 0: they match; 2: the differences are printed.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openDatabase } from "../lib/db";
import { ensureEmbeddedServer } from "../lib/db/embedded-server";
import { checkMigrations } from "../lib/db/schema-check";

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

const folder = process.env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), "portal-db-check-"));
const server = folder ? await ensureEmbeddedServer(join(folder, "postgres")) : undefined;
const serverUrl = process.env.DATABASE_URL ?? server!.serverUrl;
const name = `cp_check_${randomBytes(5).toString("hex")}`;
await admin(serverUrl, `CREATE DATABASE "${name}"`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const database = openDatabase({ url: url.toString() });
let code = 1;
try {
  const problems = await checkMigrations({ database, schema: readFileSync("prisma/schema.prisma", "utf8") });
  if (problems.length === 0) {
    console.log("prisma/migrations match prisma/schema.prisma (tables, columns, types, nullability, enums).");
    code = 0;
  } else {
    console.error(`prisma/migrations do not build prisma/schema.prisma:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    code = 2;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
} finally {
  await database.close();
  await admin(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
  await server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
}
process.exit(code);
