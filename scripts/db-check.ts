// npm run db:check — do prisma/migrations build what prisma/schema.prisma describes? Applies every
// migration to a new, empty database (on DATABASE_URL's server, or on a PostgreSQL server of its own in
// a temporary folder), compares, drops it. Exit 0: they match; 2: the differences are printed.
import { readFileSync } from "node:fs";
import { openDatabase } from "../lib/db";
import { checkMigrations } from "../lib/db/schema-check";
import { createScratchDatabase, scratchServer } from "../lib/db/scratch";

const server = await scratchServer("portal-db-check");
const scratch = await createScratchDatabase(server.serverUrl, "cp_check");
const database = openDatabase({ url: scratch.url });
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
  await scratch.drop().catch(() => {});
  await server.stop();
}
process.exit(code);
