import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { open, openColumn, seal, VaultError } from "@/lib/credentials/vault";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

const REFRESH_TOKEN = "refreshtoken@@@RU0Sgi7RYF0fXkmLbl_Ed7-LHcgr-TNeSvLWfVsOvrA";
const ACCESS_TOKEN = "QXjUqNqfYVH0yBE1iI_7vuN_9gQbpjfK7hYwJ3P7xOa88a89-Aga5x1NMYJyB8G2yKt1KCl0nPC3W9GJzw0Zzq_dBxc8pxIGUNi_bFes0qM";

describe(`encryption at rest (${databaseKind})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    const prisma = t.database.prisma;
    await prisma.component.create({ data: { appid: "wxe940405705046cf5" } });
    await prisma.authorizer.create({ data: { appid: "wx3a4b5c6d7e8f9012", componentAppid: "wxe940405705046cf5" } });
    const access = seal({ plaintext: ACCESS_TOKEN, context: "authorizer:wx3a4b5c6d7e8f9012:access_token" });
    const refresh = seal({ plaintext: REFRESH_TOKEN, context: "authorizer:wx3a4b5c6d7e8f9012:refresh_token" });
    await prisma.authorizerCredential.create({
      data: {
        authorizerAppid: "wx3a4b5c6d7e8f9012",
        accessTokenEnc: access.ciphertext,
        accessTokenKeyId: access.keyId,
        refreshTokenEnc: refresh.ciphertext,
        refreshTokenKeyId: refresh.keyId,
      },
    });
  });
  afterAll(() => t.drop());

  it("stores ciphertext, never the token, and the key id beside it", async () => {
    const [row] = await t.database.withSession((s) =>
      s.query<Record<string, string>>(`SELECT * FROM authorizer_credentials WHERE authorizer_appid = 'wx3a4b5c6d7e8f9012'`),
    );
    expect(row).toBeDefined();
    const raw = JSON.stringify(row);
    expect(raw).not.toContain(REFRESH_TOKEN);
    expect(raw).not.toContain(ACCESS_TOKEN);
    expect(raw).not.toContain(Buffer.from(REFRESH_TOKEN).toString("base64").slice(0, 24));
    expect(row!.refresh_token_key_id).toBe("test1");
    expect(row!.refresh_token_enc).toMatch(/^v1\./);

    expect(
      openColumn({
        ciphertext: row!.refresh_token_enc!,
        keyId: row!.refresh_token_key_id!,
        context: "authorizer:wx3a4b5c6d7e8f9012:refresh_token",
      }),
    ).toBe(REFRESH_TOKEN);
  });

  it("refuses a ciphertext moved to another row or column, or tampered with", async () => {
    const cred = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: "wx3a4b5c6d7e8f9012" } });
    const sealed = { ciphertext: cred.refreshTokenEnc!, keyId: cred.refreshTokenKeyId! };
    expect(() => open({ sealed, context: "authorizer:wx3a4b5c6d7e8f9012:access_token" })).toThrow(VaultError);
    expect(() => open({ sealed, context: "authorizer:wx9999999999999999:refresh_token" })).toThrow(VaultError);
    const parts = sealed.ciphertext.split(".");
    const body = Buffer.from(parts[2]!, "base64url");
    body[0] = body[0]! ^ 1;
    const tampered = [parts[0], parts[1], body.toString("base64url"), parts[3]].join(".");
    expect(() => open({ sealed: { ...sealed, ciphertext: tampered }, context: "authorizer:wx3a4b5c6d7e8f9012:refresh_token" })).toThrow(
      VaultError,
    );
  });

  it("keeps old values readable after the key is rotated, and seals new ones with the new key", () => {
    const oldKey = { id: "2025a", key: randomBytes(32) };
    const newKey = { id: "2026b", key: randomBytes(32) };
    const before = seal({ plaintext: REFRESH_TOKEN, context: "c", keys: [oldKey] });
    expect(before.keyId).toBe("2025a");
    const after = seal({ plaintext: REFRESH_TOKEN, context: "c", keys: [newKey, oldKey] });
    expect(after.keyId).toBe("2026b");
    expect(open({ sealed: before, context: "c", keys: [newKey, oldKey] })).toBe(REFRESH_TOKEN);
    expect(open({ sealed: after, context: "c", keys: [newKey, oldKey] })).toBe(REFRESH_TOKEN);
    // Dropping the old key too early is reported by name rather than as garbage.
    expect(() => open({ sealed: before, context: "c", keys: [newKey] })).toThrow(/no encryption key with id "2025a"/);
  });

  it("never produces the same ciphertext twice for the same token", () => {
    const a = seal({ plaintext: REFRESH_TOKEN, context: "c" });
    const b = seal({ plaintext: REFRESH_TOKEN, context: "c" });
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });
});
