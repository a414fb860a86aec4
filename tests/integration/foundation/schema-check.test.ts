// npm run db:check's comparison: the project's migrations build its schema, and each kind of drift
// (a column or table without a migration, a changed type or nullability, an enum value) is named.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { checkMigrations, compareShapes, shapeOfDatabase, shapeOfSchema } from "@/lib/db/schema-check";
import { createEmptyDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

const schema = readFileSync("prisma/schema.prisma", "utf8");

describe(`migrations against the schema (${databaseKind})`, () => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.drop();
    t = undefined;
  });

  it("finds no difference for the project's own migrations and schema", async () => {
    t = await createEmptyDatabase();
    expect(await checkMigrations({ database: t.database, schema })).toEqual([]);
  });

  it("names every kind of drift", async () => {
    t = await createEmptyDatabase();
    await checkMigrations({ database: t.database, schema });
    const actual = await shapeOfDatabase(t.database);
    const edited = schema
      .replace(/^(model StaffUser \{\n)/m, '$1  nickname String? @map("nickname") @db.VarChar(40)\n')
      .replace(/^enum StaffRole \{\n/m, "enum StaffRole {\n  auditor\n")
      .replace(/  state           String        @db\.VarChar\(128\)/, "  state           String?       @db.Uuid")
      .concat('\nmodel Extra {\n  id Int @id\n  @@map("extras")\n}\n');
    expect(compareShapes(shapeOfSchema(edited), actual)).toEqual(
      expect.arrayContaining([
        "column staff_users.nickname is in the schema but no migration creates it",
        "column authorization_attempts.state is varchar after the migrations, the schema says uuid",
        "table extras is in the schema but no migration creates it",
        expect.stringMatching(
          /^enum StaffRole has \(admin, operator, viewer\) after the migrations, the schema says \(auditor, admin, operator, viewer\)/,
        ),
      ]),
    );
    const required = schema.replace(
      /  preAuthCode     String\?       @map\("pre_auth_code"\)/,
      '  preAuthCode     String        @map("pre_auth_code")',
    );
    expect(compareShapes(shapeOfSchema(required), actual)).toEqual([
      "column authorization_attempts.pre_auth_code is nullable after the migrations, the schema says required",
    ]);
  });
});
