// Do the migrations build the database prisma/schema.prisma describes? Applies every migration to an
// empty database, then compares what PostgreSQL reports (tables, columns, their types and
// nullability, enum values) with the models and enums of the schema. `npm run db:check` runs it; a
// migration forgotten after a schema edit (a column, a table, an enum value, a changed type) shows up
// here by name. Indexes and defaults are left to the migration's review.
import type { Database } from ".";
import { migrate } from "./migrate";

type Column = { type: string; nullable: boolean };
export type SchemaShape = { tables: Map<string, Map<string, Column>>; enums: Map<string, string[]> };

const SCALARS: Record<string, string> = {
  String: "text",
  Int: "int4",
  BigInt: "int8",
  Float: "float8",
  Decimal: "numeric",
  Boolean: "bool",
  DateTime: "timestamp",
  Json: "jsonb",
  Bytes: "bytea",
};
const NATIVE: Record<string, string> = { VarChar: "varchar", Uuid: "uuid", Timestamptz: "timestamptz", Text: "text", Char: "bpchar" };

const blocks = (text: string, keyword: string) =>
  [...text.matchAll(new RegExp(`^${keyword}\\s+(\\w+)\\s*\\{([\\s\\S]*?)^\\}`, "gm"))].map((m) => ({ name: m[1]!, body: m[2]! }));

const mapped = (line: string) => /@@?map\("([^"]+)"\)/.exec(line)?.[1];

/** The tables, columns and enums a Prisma schema describes (PostgreSQL names). */
export function shapeOfSchema(schema: string): SchemaShape {
  const text = schema.replace(/\/\/.*$/gm, "");
  const enums = new Map<string, string[]>();
  const enumNames = new Map<string, string>();
  for (const block of blocks(text, "enum")) {
    const lines = block.body
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const dbName = mapped(lines.find((l) => l.startsWith("@@map")) ?? "") ?? block.name;
    enumNames.set(block.name, dbName);
    enums.set(
      dbName,
      lines.filter((l) => !l.startsWith("@@")).map((l) => mapped(l) ?? l.split(/\s+/)[0]!),
    );
  }
  const models = blocks(text, "model");
  const modelNames = new Set(models.map((m) => m.name));
  const tables = new Map<string, Map<string, Column>>();
  for (const model of models) {
    const lines = model.body
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const table = mapped(lines.find((l) => l.startsWith("@@map")) ?? "") ?? model.name;
    const columns = new Map<string, Column>();
    for (const line of lines) {
      const field = /^(\w+)\s+(\w+)(\[\]|\?)?/.exec(line);
      if (!field || line.startsWith("@@")) continue;
      const [, name, type, modifier] = field as unknown as [string, string, string, string | undefined];
      if (modelNames.has(type)) continue; // a relation, not a column
      const native = /@db\.(\w+)/.exec(line)?.[1];
      const base = (native && NATIVE[native]) ?? enumNames.get(type) ?? SCALARS[type] ?? type;
      // Prisma writes scalar lists as nullable array columns (a list is never null in the client).
      columns.set(mapped(line) ?? name, { type: modifier === "[]" ? `_${base}` : base, nullable: modifier !== undefined });
    }
    tables.set(table, columns);
  }
  return { tables, enums };
}

/** The same, as PostgreSQL reports it for the public schema of `database`. */
export async function shapeOfDatabase(database: Database): Promise<SchemaShape> {
  return database.withSession(async (session) => {
    const columns = await session.query<{ table_name: string; column_name: string; udt_name: string; is_nullable: string }>(
      `SELECT c.table_name, c.column_name, c.udt_name, c.is_nullable
         FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> '_prisma_migrations'`,
    );
    const labels = await session.query<{ name: string; label: string }>(
      `SELECT t.typname AS name, e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
         JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder`,
    );
    const tables = new Map<string, Map<string, Column>>();
    for (const row of columns) {
      const table = tables.get(row.table_name) ?? new Map<string, Column>();
      table.set(row.column_name, { type: row.udt_name, nullable: row.is_nullable === "YES" });
      tables.set(row.table_name, table);
    }
    const enums = new Map<string, string[]>();
    for (const { name, label } of labels) enums.set(name, [...(enums.get(name) ?? []), label]);
    return { tables, enums };
  });
}

/** Every difference between what the schema describes and what the database has, in words. */
export function compareShapes(expected: SchemaShape, actual: SchemaShape): string[] {
  const problems: string[] = [];
  for (const [table, columns] of expected.tables) {
    const found = actual.tables.get(table);
    if (!found) {
      problems.push(`table ${table} is in the schema but no migration creates it`);
      continue;
    }
    for (const [column, want] of columns) {
      const have = found.get(column);
      if (!have) problems.push(`column ${table}.${column} is in the schema but no migration creates it`);
      else if (have.type !== want.type)
        problems.push(`column ${table}.${column} is ${have.type} after the migrations, the schema says ${want.type}`);
      else if (have.nullable !== want.nullable)
        problems.push(
          `column ${table}.${column} is ${have.nullable ? "nullable" : "NOT NULL"} after the migrations, the schema says ${want.nullable ? "optional" : "required"}`,
        );
    }
    for (const column of found.keys())
      if (!columns.has(column)) problems.push(`column ${table}.${column} is created by a migration but not in the schema`);
  }
  for (const table of actual.tables.keys())
    if (!expected.tables.has(table)) problems.push(`table ${table} is created by a migration but not in the schema`);
  for (const [name, values] of expected.enums) {
    const have = actual.enums.get(name);
    if (!have) problems.push(`enum ${name} is in the schema but no migration creates it`);
    else if (have.join(",") !== values.join(","))
      problems.push(`enum ${name} has (${have.join(", ")}) after the migrations, the schema says (${values.join(", ")})`);
  }
  for (const name of actual.enums.keys())
    if (!expected.enums.has(name)) problems.push(`enum ${name} is created by a migration but not in the schema`);
  return problems;
}

/** Applies the migrations in `dir` to the empty `database` and compares the result with `schema`. */
export async function checkMigrations({ database, schema, dir }: { database: Database; schema: string; dir?: string }): Promise<string[]> {
  await migrate(database, { dir });
  return compareShapes(shapeOfSchema(schema), await shapeOfDatabase(database));
}
