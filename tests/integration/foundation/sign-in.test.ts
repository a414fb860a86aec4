import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { createStaffUser, ensureFirstAdmin, GENERATED_ADMIN_EMAIL } from "@/lib/auth/staff";
import { SIGN_IN_LIMITS } from "@/lib/auth/throttle";
import { verifyPassword } from "@/lib/auth/password";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

const PASSWORD = "correct horse battery staple";

describe(`staff sign-in (${databaseKind})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await createStaffUser({ email: "Ops@Example.com", password: PASSWORD, role: "operator" });
  });
  beforeEach(async () => {
    await t.database.prisma.rateLimiterFlexible.deleteMany();
  });
  afterAll(() => t.drop());

  it("signs in with the right password (email case-insensitive) and records it", async () => {
    const result = await signInWithPassword({ email: "ops@example.COM", password: PASSWORD, ip: "10.0.0.1" });
    expect(result).toMatchObject({ ok: true, staff: { email: "ops@example.com", role: "operator" } });
    const user = await t.database.prisma.staffUser.findUniqueOrThrow({ where: { email: "ops@example.com" } });
    expect(user.lastSignInAt).not.toBeNull();
    expect(user.passwordHash).not.toContain(PASSWORD);
    expect(await t.database.prisma.auditLog.count({ where: { action: "staff.signed_in", actorId: user.id } })).toBe(1);
  });

  it("refuses a wrong password and an unknown email alike", async () => {
    expect(await signInWithPassword({ email: "ops@example.com", password: "wrong", ip: "10.0.0.2" })).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(await signInWithPassword({ email: "nobody@example.com", password: PASSWORD, ip: "10.0.0.2" })).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(await t.database.prisma.auditLog.count({ where: { action: "staff.sign_in_failed" } })).toBeGreaterThanOrEqual(2);
  });

  it("lets no more guesses through a burst of concurrent tries than the limit allows", async () => {
    const limit = SIGN_IN_LIMITS.perAccount.points;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => signInWithPassword({ email: "ops@example.com", password: `burst-${i}`, ip: "10.0.0.9" })),
    );
    // Each try is counted before its password is checked: only `limit` of them reach bcrypt.
    expect(results.filter((r) => !r.ok && r.reason === "invalid")).toHaveLength(limit);
    expect(results.filter((r) => !r.ok && r.reason === "throttled")).toHaveLength(40 - limit);
    expect(await t.database.prisma.auditLog.count({ where: { action: "staff.sign_in_failed", ip: "10.0.0.9" } })).toBe(limit);
  });

  it("does not count a successful sign-in against the address or the account", async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.perAccount.points + 2; i++) {
      expect((await signInWithPassword({ email: "ops@example.com", password: PASSWORD, ip: "10.0.0.10" })).ok).toBe(true);
    }
  });

  it("throttles repeated failures, even the right password, but not other addresses", async () => {
    const limit = SIGN_IN_LIMITS.perAccount.points;
    for (let i = 0; i < limit; i++) {
      expect(await signInWithPassword({ email: "ops@example.com", password: `guess-${i}`, ip: "10.0.0.3" })).toEqual({
        ok: false,
        reason: "invalid",
      });
    }
    const blocked = await signInWithPassword({ email: "ops@example.com", password: PASSWORD, ip: "10.0.0.3" });
    expect(blocked.ok).toBe(false);
    expect(blocked).toMatchObject({ reason: "throttled" });
    if (!blocked.ok && blocked.reason === "throttled") {
      expect(blocked.retryAfterSeconds).toBeGreaterThan(0);
      expect(blocked.retryAfterSeconds).toBeLessThanOrEqual(SIGN_IN_LIMITS.perAccount.blockDuration);
    }
    const elsewhere = await signInWithPassword({ email: "ops@example.com", password: PASSWORD, ip: "10.0.0.4" });
    expect(elsewhere.ok).toBe(true);
  });

  it("throttles an account guessed at from many addresses", async () => {
    await createStaffUser({ email: "target@example.com", password: PASSWORD, role: "viewer" });
    for (let i = 0; i < SIGN_IN_LIMITS.perEmail.points; i++) {
      // Never five from one address: only the per-account limit across addresses can stop this.
      await signInWithPassword({ email: "target@example.com", password: `guess-${i}`, ip: `10.9.${i}.1` });
    }
    const fresh = await signInWithPassword({ email: "target@example.com", password: PASSWORD, ip: "10.9.250.1" });
    expect(fresh).toMatchObject({ ok: false, reason: "throttled" });
    // Other accounts are untouched.
    expect((await signInWithPassword({ email: "ops@example.com", password: PASSWORD, ip: "10.9.250.1" })).ok).toBe(true);
  });

  it("refuses a disabled account", async () => {
    await createStaffUser({ email: "gone@example.com", password: PASSWORD, role: "viewer" });
    await t.database.prisma.staffUser.update({ where: { email: "gone@example.com" }, data: { disabledAt: new Date() } });
    expect(await signInWithPassword({ email: "gone@example.com", password: PASSWORD, ip: "10.0.0.5" })).toEqual({
      ok: false,
      reason: "invalid",
    });
  });
});

describe(`first admin (${databaseKind})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it("generates one admin once on the embedded default, with a working password", async () => {
    const first = await ensureFirstAdmin({ embedded: true });
    expect(first.kind).toBe("created-generated");
    if (first.kind !== "created-generated") return;
    expect(first.password.length).toBeGreaterThanOrEqual(16);
    const user = await t.database.prisma.staffUser.findUniqueOrThrow({ where: { email: GENERATED_ADMIN_EMAIL } });
    expect(user.role).toBe("admin");
    expect(await verifyPassword(first.password, user.passwordHash)).toBe(true);
    expect(await ensureFirstAdmin({ embedded: true })).toEqual({ kind: "exists" });
    expect(await t.database.prisma.staffUser.count()).toBe(1);
  });

  it("creates the admin named by ADMIN_EMAIL/ADMIN_PASSWORD", async () => {
    const outcome = await ensureFirstAdmin({ embedded: false, admin: { email: "Boss@Example.com", password: "a-long-enough-password" } });
    expect(outcome).toEqual({ kind: "created-from-env", email: "boss@example.com" });
    const signedIn = await signInWithPassword({ email: "boss@example.com", password: "a-long-enough-password", ip: "10.1.1.1" });
    expect(signedIn).toMatchObject({ ok: true, staff: { role: "admin" } });
  });
});

describe(`first admin with several instances starting together (${databaseKind})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it("creates ADMIN_EMAIL once and lets the other starts carry on", async () => {
    const admin = { email: "boss@example.com", password: "a-long-enough-password" };
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => ensureFirstAdmin({ embedded: false, admin })));
    expect(outcomes.filter((o) => o.kind === "created-from-env")).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === "exists")).toHaveLength(3);
    expect(await t.database.prisma.staffUser.count()).toBe(1);
  });
});
