import { cpSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checksumOf, defaultMigrationsDir, migrate, MigrationError, readMigrations } from "@/lib/db/migrate";
import { openDatabase } from "@/lib/db";
import { createEmptyDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

type MigrationRow = {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
};

const rows = (t: TestDatabase) =>
  t.database.withSession((s) =>
    s.query<MigrationRow>(
      `SELECT migration_name, checksum, finished_at, applied_steps_count, logs FROM "_prisma_migrations" ORDER BY migration_name`,
    ),
  );

const copyMigrations = () => {
  const dir = mkdtempSync(join(tmpdir(), "migrations-"));
  cpSync(defaultMigrationsDir(), dir, { recursive: true });
  return dir;
};

describe(`migrations (${databaseKind})`, () => {
  const opened: TestDatabase[] = [];
  const fresh = async () => {
    const t = await createEmptyDatabase();
    opened.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.drop()));
  });

  it("applies every migration to an empty database, and nothing the second time", async () => {
    const t = await fresh();
    const onDisk = readMigrations();
    expect(onDisk.length).toBeGreaterThan(0);

    const first = await migrate(t.database);
    expect(first.applied).toEqual(onDisk.map((m) => m.name));
    const second = await migrate(t.database);
    expect(second).toEqual({ applied: [], alreadyApplied: onDisk.length });

    const recorded = await rows(t);
    expect(recorded.map((r) => r.migration_name)).toEqual(onDisk.map((m) => m.name));
    for (const [i, r] of recorded.entries()) {
      // Exactly what prisma migrate deploy writes: sha256 of migration.sql, one step, finished.
      const file = readFileSync(join(defaultMigrationsDir(), r.migration_name, "migration.sql"), "utf8");
      expect(r.checksum).toBe(checksumOf(file));
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(r.applied_steps_count).toBe(1);
      expect(r.finished_at).not.toBeNull();
      expect(onDisk[i]?.checksum).toBe(r.checksum);
    }
    // The schema is really there and usable through Prisma.
    await t.database.prisma.component.create({ data: { appid: "wx0000000000000001" } });
    expect(await t.database.prisma.component.count()).toBe(1);
  });

  it("refuses a migration that changed after it was applied, naming it, and changes nothing", async () => {
    const t = await fresh();
    const dir = copyMigrations();
    await migrate(t.database, { dir });
    const [first] = readMigrations(dir);
    appendFileSync(join(dir, first!.name, "migration.sql"), "\n-- edited afterwards\nCREATE TABLE sneaky (id int);\n");

    const error = await migrate(t.database, { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migration).toBe(first!.name);
    expect((error as Error).message).toContain(first!.name);
    expect((error as Error).message).toContain("changed after it was applied");
    const tables = await t.database.withSession((s) => s.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'sneaky'`));
    expect(tables).toHaveLength(0);
  });

  it("records a failed migration and blocks later runs until it is resolved", async () => {
    const t = await fresh();
    const dir = copyMigrations();
    const bad = join(dir, "29990101000000_broken");
    mkdirSync(bad);
    writeFileSync(join(bad, "migration.sql"), "CREATE TABLE half_done (id int);\nSELECT no_such_function();\n");

    await expect(migrate(t.database, { dir })).rejects.toThrow(/29990101000000_broken failed/);
    const recorded = await rows(t);
    const broken = recorded.find((r) => r.migration_name === "29990101000000_broken");
    expect(broken?.finished_at).toBeNull();
    expect(broken?.logs).toMatch(/no_such_function/);
    // The failed script ran in a transaction: its first statement did not stick.
    const halfDone = await t.database.withSession((s) => s.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`));
    expect(halfDone).toHaveLength(0);

    await expect(migrate(t.database, { dir })).rejects.toThrow(/29990101000000_broken failed earlier/);
  });

  it("applies each migration once when several processes start together", async () => {
    const t = await fresh();
    // Separate pools, as separate processes would have.
    const others = [openDatabase({ url: t.url }), openDatabase({ url: t.url })];
    try {
      const results = await Promise.all([migrate(t.database), ...others.map((d) => migrate(d))]);
      const appliedTotal = results.reduce((n, r) => n + r.applied.length, 0);
      expect(appliedTotal).toBe(readMigrations().length);
      const recorded = await rows(t);
      expect(recorded).toHaveLength(readMigrations().length);
    } finally {
      await Promise.all(others.map((d) => d.close()));
    }
  });
});

describe(`start-up with several instances at once (${databaseKind})`, () => {
  it("creates the component row once, without a unique-constraint error", async () => {
    const { ensureComponentRow } = await import("@/lib/component");
    const t = await createEmptyDatabase();
    try {
      await migrate(t.database);
      await Promise.all(Array.from({ length: 8 }, () => ensureComponentRow(t.database.prisma, "wx00000000000000aa")));
      expect(await t.database.prisma.component.count()).toBe(1);
    } finally {
      await t.drop();
    }
  });
});
