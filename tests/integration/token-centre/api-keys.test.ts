// API keys: created once and shown once with a scope, stored as a SHA-256 only, revocable,
// lastUsedAt written with the usage counts, and every create/revoke in the audit log.
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, installDatabase } from "@/lib/db";
import { defaultMigrationsDir, migrate } from "@/lib/db/migrate";
import {
  ApiKeyNotFoundError,
  createApiKey,
  hashApiKey,
  listApiKeys,
  revokeApiKey,
  verifyApiKey,
  type Actor,
} from "@/lib/token-centre/api-keys";
import { stopTokenCentreMemory } from "@/lib/token-centre/memory";
import { discardPendingIssuance, flushIssuance } from "@/lib/token-centre/issuance";
import { FULL_SCOPE, type ApiKeyScope } from "@/lib/token-centre/scopes";
import { createEmptyDatabase, createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

const actor: Actor = { actorType: "system", actorId: "cli:test" };
const scope: ApiKeyScope = FULL_SCOPE;

describe(`API keys (${databaseKind})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  beforeEach(() => installDatabase(t.database));
  afterAll(async () => {
    discardPendingIssuance();
    await stopTokenCentreMemory(t.database);
    await t.drop();
  });

  it("creates a high-entropy key, shown once, stored only as its SHA-256 and a short prefix", async () => {
    const created = await createApiKey({ name: "  billing service ", scope, actor });
    expect(created.key).toMatch(/^cpk_[A-Za-z0-9_-]{43}$/);
    expect(created.name).toBe("billing service");
    expect(created.prefix).toBe(created.key.slice(0, 12));

    const [row] = await t.database.withSession((s) =>
      s.query<Record<string, unknown>>(`SELECT * FROM api_keys WHERE id = $1`, [created.id]),
    );
    expect(JSON.stringify(row)).not.toContain(created.key.slice(12));
    expect(row!.key_hash).toBe(hashApiKey(created.key));
    expect(row!.key_hash).toMatch(/^[0-9a-f]{64}$/);

    const other = await createApiKey({ name: "crm", scope, actor });
    expect(other.key).not.toBe(created.key);
    expect((await listApiKeys()).map((key) => key.name)).toEqual(expect.arrayContaining(["billing service", "crm"]));
    expect(JSON.stringify(await listApiKeys())).not.toContain(created.key);

    const audit = await t.database.prisma.auditLog.findFirstOrThrow({
      where: { action: "api_key.created", target: `api_key:${created.id}` },
    });
    expect(audit).toMatchObject({
      actorType: "system",
      actorId: "cli:test",
      details: { name: "billing service", prefix: created.prefix, scope: ["component", "authorizers", "hub"] },
    });
    expect(JSON.stringify(audit.details)).not.toContain(created.key);
  });

  it("refuses an empty name", async () => {
    await expect(createApiKey({ name: "   ", scope, actor })).rejects.toThrow(RangeError);
  });

  it("gives keys made before scopes existed every token scope, so they keep working as they did (and no hub)", async () => {
    const old = await createEmptyDatabase();
    const before = mkdtempSync(join(tmpdir(), "migrations-before-scopes-"));
    try {
      for (const name of readdirSync(defaultMigrationsDir()).filter((entry) => entry < "20261201110000_api_key_scopes"))
        cpSync(join(defaultMigrationsDir(), name), join(before, name), { recursive: true });
      await migrate(old.database, { dir: before });
      const legacy = `cpk_${"L".repeat(43)}`;
      await old.database.withSession((session) =>
        session.query(`INSERT INTO api_keys (id, name, prefix, key_hash) VALUES (gen_random_uuid(), 'legacy', $1, $2)`, [
          legacy.slice(0, 12),
          hashApiKey(legacy),
        ]),
      );
      await migrate(old.database);
      installDatabase(old.database);
      expect(await verifyApiKey({ presented: legacy })).toMatchObject({
        ok: true,
        key: { name: "legacy", scope: { ...FULL_SCOPE, hub: false } },
      });
    } finally {
      installDatabase(t.database);
      discardPendingIssuance();
      rmSync(before, { recursive: true, force: true });
      await old.drop();
    }
  });

  it("stores the scope it is given, lists it, and refuses one that allows nothing or holds a bad appid", async () => {
    const narrow = await createApiKey({
      name: "shop pages",
      scope: { component: false, authorizers: ["wx2222222222222222", "wx1111111111111111", "wx2222222222222222"], readOnly: true },
      actor,
    });
    expect(narrow.scope).toEqual({
      component: false,
      authorizers: ["wx1111111111111111", "wx2222222222222222"],
      readOnly: true,
      hub: false,
    });
    const listed = (await listApiKeys()).find((key) => key.id === narrow.id);
    expect(listed?.scope).toEqual(narrow.scope);
    const { key } = narrow;
    expect(await verifyApiKey({ presented: key })).toMatchObject({ ok: true, key: { id: narrow.id, scope: narrow.scope } });

    await expect(createApiKey({ name: "nothing", scope: { component: false, authorizers: [], readOnly: true }, actor })).rejects.toThrow(
      /allowed nothing/,
    );
    await expect(
      createApiKey({ name: "bad", scope: { component: false, authorizers: ["not an appid!"], readOnly: true }, actor }),
    ).rejects.toThrow(RangeError);
    expect(await t.database.prisma.apiKey.count({ where: { name: { in: ["nothing", "bad"] } } })).toBe(0);
  });

  it("verifies a key and tells malformed, unknown and revoked ones apart", async () => {
    const { key, id } = await createApiKey({ name: "verify me", scope, actor });
    expect(await verifyApiKey({ presented: key })).toEqual({ ok: true, key: { id, name: "verify me", prefix: key.slice(0, 12), scope } });
    expect(await verifyApiKey({ presented: "hello" })).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyApiKey({ presented: `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}` })).toEqual({
      ok: false,
      reason: "unknown",
    });
    await revokeApiKey({ idOrPrefix: id, actor });
    expect(await verifyApiKey({ presented: key })).toEqual({ ok: false, reason: "revoked", prefix: key.slice(0, 12) });
  });

  it("writes lastUsedAt with the next flush, not on the request, and never moves it backwards", async () => {
    await flushIssuance(); // what earlier tests counted
    const { key, id } = await createApiKey({ name: "busy service", scope, actor });
    const lastUsed = async () => (await t.database.prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();

    const start = new Date("2026-03-01T08:00:00.000Z");
    await verifyApiKey({ presented: key, now: start });
    await verifyApiKey({ presented: key, now: new Date(start.getTime() + 30_000) });
    // Verifying wrote nothing: the use waits in memory for the flush.
    expect(await lastUsed()).toBeNull();
    expect(await flushIssuance()).toMatchObject({ keys: 1 });
    expect(await lastUsed()).toEqual(new Date(start.getTime() + 30_000));

    // Another instance wrote a later use meanwhile: an older one does not replace it.
    const later = new Date(start.getTime() + 3_600_000);
    await t.database.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: later } });
    await verifyApiKey({ presented: key, now: new Date(start.getTime() + 60_000) });
    await flushIssuance();
    expect(await lastUsed()).toEqual(later);
  });

  it("keeps what it counted when the database is unreachable, and writes it at the next flush", async () => {
    const { key, id } = await createApiKey({ name: "patient service", scope, actor });
    const at = new Date("2026-03-02T08:00:00.000Z");
    await verifyApiKey({ presented: key, now: at });
    const unreachable = openDatabase({ url: t.url.replace(/\/[^/]*$/, "/cp_no_such_database"), connectTimeoutMs: 2_000 });
    installDatabase(unreachable);
    try {
      await expect(flushIssuance()).rejects.toThrow();
    } finally {
      installDatabase(t.database);
      await unreachable.close();
    }
    await flushIssuance();
    expect((await t.database.prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt).toEqual(at);
  });

  it("revokes by id or by prefix, once, and audits it once", async () => {
    const byPrefix = await createApiKey({ name: "old billing", scope, actor });
    const revoked = await revokeApiKey({ idOrPrefix: byPrefix.prefix, actor });
    expect(revoked).toMatchObject({ id: byPrefix.id, alreadyRevoked: false, revokedAt: expect.any(Date) });
    expect(await revokeApiKey({ idOrPrefix: byPrefix.id.toUpperCase(), actor })).toMatchObject({ alreadyRevoked: true });
    expect(await t.database.prisma.auditLog.count({ where: { action: "api_key.revoked", target: `api_key:${byPrefix.id}` } })).toBe(1);

    await expect(revokeApiKey({ idOrPrefix: "cpk_nothing", actor })).rejects.toThrow(ApiKeyNotFoundError);
    await expect(revokeApiKey({ idOrPrefix: "00000000-0000-4000-8000-000000000000", actor })).rejects.toThrow(ApiKeyNotFoundError);
    // A partial prefix is not enough: revoking must name exactly one key.
    await expect(revokeApiKey({ idOrPrefix: "cpk_", actor })).rejects.toThrow(ApiKeyNotFoundError);
  });
});
