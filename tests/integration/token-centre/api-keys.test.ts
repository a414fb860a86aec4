// API keys: created once and shown once, stored as a SHA-256 only, revocable, lastUsedAt kept
// up to date at most once a minute, and every create/revoke in the audit log.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useDatabase } from "@/lib/db";
import {
  ApiKeyNotFoundError,
  createApiKey,
  hashApiKey,
  LAST_USED_RESOLUTION_MS,
  listApiKeys,
  revokeApiKey,
  verifyApiKey,
  type Actor,
} from "@/lib/token-centre/api-keys";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

const actor: Actor = { actorType: "system", actorId: "cli:test" };

describe(`API keys (${databaseKind})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  beforeEach(() => useDatabase(t.database));
  afterAll(() => t.drop());

  it("creates a high-entropy key, shown once, stored only as its SHA-256 and a short prefix", async () => {
    const created = await createApiKey({ name: "  billing service ", actor });
    expect(created.key).toMatch(/^cpk_[A-Za-z0-9_-]{43}$/);
    expect(created.name).toBe("billing service");
    expect(created.prefix).toBe(created.key.slice(0, 12));

    const [row] = await t.database.withSession((s) =>
      s.query<Record<string, unknown>>(`SELECT * FROM api_keys WHERE id = $1`, [created.id]),
    );
    expect(JSON.stringify(row)).not.toContain(created.key.slice(12));
    expect(row!.key_hash).toBe(hashApiKey(created.key));
    expect(row!.key_hash).toMatch(/^[0-9a-f]{64}$/);

    const other = await createApiKey({ name: "crm", actor });
    expect(other.key).not.toBe(created.key);
    expect((await listApiKeys()).map((key) => key.name)).toEqual(expect.arrayContaining(["billing service", "crm"]));
    expect(JSON.stringify(await listApiKeys())).not.toContain(created.key);

    const audit = await t.database.prisma.auditLog.findFirstOrThrow({
      where: { action: "api_key.created", target: `api_key:${created.id}` },
    });
    expect(audit).toMatchObject({ actorType: "system", actorId: "cli:test", details: { name: "billing service", prefix: created.prefix } });
    expect(JSON.stringify(audit.details)).not.toContain(created.key);
  });

  it("refuses an empty name", async () => {
    await expect(createApiKey({ name: "   ", actor })).rejects.toThrow(RangeError);
  });

  it("verifies a key and tells malformed, unknown and revoked ones apart", async () => {
    const { key, id } = await createApiKey({ name: "verify me", actor });
    expect(await verifyApiKey({ presented: key })).toEqual({ ok: true, key: { id, name: "verify me", prefix: key.slice(0, 12) } });
    expect(await verifyApiKey({ presented: "hello" })).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyApiKey({ presented: `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}` })).toEqual({
      ok: false,
      reason: "unknown",
    });
    await revokeApiKey({ idOrPrefix: id, actor });
    expect(await verifyApiKey({ presented: key })).toEqual({ ok: false, reason: "revoked", prefix: key.slice(0, 12) });
  });

  it("updates lastUsedAt on use, at most once a minute", async () => {
    const { key, id } = await createApiKey({ name: "busy service", actor });
    const lastUsed = async () => (await t.database.prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();

    const start = new Date("2026-03-01T08:00:00.000Z");
    await verifyApiKey({ presented: key, now: start });
    expect(await lastUsed()).toEqual(start);
    await verifyApiKey({ presented: key, now: new Date(start.getTime() + 30_000) });
    expect(await lastUsed()).toEqual(start);
    const later = new Date(start.getTime() + LAST_USED_RESOLUTION_MS + 1);
    await verifyApiKey({ presented: key, now: later });
    expect(await lastUsed()).toEqual(later);
  });

  it("revokes by id or by prefix, once, and audits it once", async () => {
    const byPrefix = await createApiKey({ name: "old billing", actor });
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
