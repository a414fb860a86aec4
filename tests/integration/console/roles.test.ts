// Roles are enforced by the server actions themselves, whatever the page showed: a viewer changes
// nothing, an operator cannot manage keys or staff, and every refusal is audited. Also the staff
// guards (own account, last admin) and API keys shown once.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const session = vi.hoisted(() => {
  // No WeChat here: anything that gets past the role check and calls out meets a closed port at once.
  process.env.WECHAT_API_BASE = "http://127.0.0.1:9";
  // Who is signed in, and the server-side session their cookie names (lib/auth/staff-sessions.ts).
  return { userId: null as string | null, sessionIds: {} as Record<string, string> };
});
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: async () =>
    session.userId ? { user: { id: session.userId, sessionId: session.sessionIds[session.userId] ?? "" } } : null,
}));

import { createApiKeyAction, revokeApiKeyAction } from "@/app/(console)/console/api-keys/actions";
import {
  createReauthorizationLinkAction,
  readOptionsAction,
  refreshTokenAction,
  resyncInfoAction,
  setOptionAction,
  syncBatchAction,
} from "@/app/(console)/console/authorizers/actions";
import { createLinkAction } from "@/app/(console)/console/links/actions";
import { changeRoleAction, createStaffAction, setDisabledAction, setPasswordAction } from "@/app/(console)/console/users/actions";
import { currentStaff } from "@/lib/auth/session";
import { createStaffUser } from "@/lib/auth/staff";
import { openStaffSession } from "@/lib/auth/staff-sessions";
import { verifyPassword } from "@/lib/auth/password";
import { changeStaffRole } from "@/lib/console/staff-users";
import type { ActionResult } from "@/lib/console/safe-action";
import { installDatabase } from "@/lib/db";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

const APPID = "wx00000000000000aa";
const UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000";

describe(`console roles and staff actions (${databaseKind})`, () => {
  let t: TestDatabase;
  const ids = { admin: "", operator: "", viewer: "" };
  const as = (who: keyof typeof ids | null) => {
    session.userId = who ? ids[who] : null;
  };

  /** Every console mutation, with input that would be valid. */
  const mutations = (): [string, () => Promise<ActionResult<unknown>>][] => [
    ["refresh token", () => refreshTokenAction({ appid: APPID })],
    ["re-sync", () => resyncInfoAction({ appid: APPID })],
    ["set option", () => setOptionAction({ appid: APPID, name: "voice_recognize", value: "1" })],
    ["re-authorization link", () => createReauthorizationLinkAction({ authType: 1, bizAppid: APPID, permissionSetIds: [1] })],
    ["sync", () => syncBatchAction({ offset: 0 })],
    ["create link", () => createLinkAction({ authType: 3, permissionSetIds: [] })],
    ["create API key", () => createApiKeyAction({ name: "billing" })],
    ["revoke API key", () => revokeApiKeyAction({ id: UNKNOWN_UUID })],
    ["create staff", () => createStaffAction({ email: "new@example.com", role: "admin", password: "a-long-password-123" })],
    ["change role", () => changeRoleAction({ id: ids.operator, role: "admin" })],
    ["disable staff", () => setDisabledAction({ id: ids.operator, disabled: true })],
    ["set password", () => setPasswordAction({ id: ids.operator, password: "another-long-password" })],
  ];

  beforeAll(async () => {
    t = await createTestDatabase();
    for (const role of ["admin", "operator", "viewer"] as const) {
      ids[role] = (await createStaffUser({ email: `${role}@example.com`, password: "correct-horse-battery", role })).id;
      session.sessionIds[ids[role]] = (await openStaffSession({ staffUserId: ids[role] })).id;
    }
  });
  afterAll(async () => {
    await t.drop();
  });
  beforeEach(() => {
    installDatabase(t.database);
  });

  const refusals = () => t.database.prisma.auditLog.count({ where: { action: "console.action_refused" } });

  it("refuses every mutation without a session", async () => {
    as(null);
    for (const [, run] of mutations()) expect(await run()).toEqual({ ok: false, error: expect.objectContaining({ code: "forbidden" }) });
  });

  it("refuses every mutation to a viewer, changes nothing, and audits each refusal", async () => {
    as("viewer");
    const before = await refusals();
    for (const [name, run] of mutations()) {
      const result = await run();
      expect(result, name).toMatchObject({ ok: false, error: { code: "forbidden" } });
    }
    expect(await refusals()).toBe(before + mutations().length);
    const refusal = await t.database.prisma.auditLog.findFirstOrThrow({
      where: { action: "console.action_refused", target: "api_key.create" },
      orderBy: { id: "desc" },
    });
    expect(refusal).toMatchObject({ actorType: "staff", actorId: ids.viewer, details: { role: "viewer", needed: "admin" } });
    expect(await t.database.prisma.apiKey.count()).toBe(0);
    expect(await t.database.prisma.staffUser.count()).toBe(3);
    expect(await t.database.prisma.authorizationAttempt.count()).toBe(0);
    expect((await t.database.prisma.staffUser.findUniqueOrThrow({ where: { id: ids.operator } })).role).toBe("operator");
  });

  it("lets a viewer read (options are a read): the action passes the role check", async () => {
    as("viewer");
    expect(await readOptionsAction({ appid: APPID })).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  it("refuses API keys and staff management to an operator, but lets account operations through", async () => {
    as("operator");
    const adminOnly = ["create API key", "revoke API key", "create staff", "change role", "disable staff", "set password"];
    for (const [name, run] of mutations()) {
      const result = await run();
      if (adminOnly.includes(name)) expect(result, name).toMatchObject({ ok: false, error: { code: "forbidden", needed: "admin" } });
      else expect(result, name).not.toMatchObject({ ok: false, error: { code: "forbidden" } });
    }
    // Past the role check, the work itself answers: an account the portal does not know.
    expect(await refreshTokenAction({ appid: APPID })).toMatchObject({ ok: false, error: { code: "unknown_authorizer" } });
    expect(await resyncInfoAction({ appid: APPID })).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await createLinkAction({ authType: 9 })).toMatchObject({
      ok: false,
      error: { code: "invalid_input", issues: [expect.objectContaining({ path: "authType" })] },
    });
    expect(await createReauthorizationLinkAction({ authType: 1, bizAppid: "not-an-appid" })).toMatchObject({
      ok: false,
      error: { code: "invalid_input" },
    });
  });

  it("sees a role change at once: the session re-reads the account on every action", async () => {
    as("operator");
    await t.database.prisma.staffUser.update({ where: { id: ids.operator }, data: { role: "viewer" } });
    expect(await createLinkAction({ authType: 3 })).toMatchObject({ ok: false, error: { code: "forbidden", needed: "operator" } });
    await t.database.prisma.staffUser.update({ where: { id: ids.operator }, data: { role: "operator" } });
  });

  it("lets an admin create an API key, shown once, and revoke it", async () => {
    as("admin");
    const created = await createApiKeyAction({ name: "  billing service " });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.data.key).toMatch(/^cpk_[A-Za-z0-9_-]{43}$/);
    expect(created.data.name).toBe("billing service");
    const row = await t.database.prisma.apiKey.findUniqueOrThrow({ where: { id: created.data.id } });
    expect(row.keyHash).not.toContain(created.data.key);
    expect(row.createdById).toBe(ids.admin);
    const audit = await t.database.prisma.auditLog.findMany({ select: { details: true, target: true } });
    expect(JSON.stringify(audit)).not.toContain(created.data.key);
    expect(await createApiKeyAction({ name: "" })).toMatchObject({ ok: false, error: { code: "invalid_input" } });

    expect(await revokeApiKeyAction({ id: created.data.id })).toEqual({ ok: true, data: { id: created.data.id, alreadyRevoked: false } });
    expect(await revokeApiKeyAction({ id: created.data.id })).toEqual({ ok: true, data: { id: created.data.id, alreadyRevoked: true } });
    expect(await revokeApiKeyAction({ id: UNKNOWN_UUID })).toMatchObject({ ok: false, error: { code: "not_found" } });
    const keyAudit = await t.database.prisma.auditLog.findMany({ where: { action: { startsWith: "api_key." } }, orderBy: { id: "asc" } });
    expect(keyAudit.map((a) => [a.action, a.actorType, a.actorId])).toEqual([
      ["api_key.created", "staff", ids.admin],
      ["api_key.revoked", "staff", ids.admin],
    ]);
  });

  it("lets an admin manage staff, but not their own account", async () => {
    as("admin");
    const created = await createStaffAction({
      email: " New.Person@Example.com ",
      name: "New",
      role: "viewer",
      password: "a-long-password-123",
    });
    expect(created).toMatchObject({ ok: true, data: { email: "new.person@example.com" } });
    expect(await createStaffAction({ email: "new.person@example.com", role: "viewer", password: "a-long-password-123" })).toMatchObject({
      ok: false,
      error: { code: "email_taken" },
    });
    expect(await createStaffAction({ email: "short@example.com", role: "viewer", password: "short" })).toMatchObject({
      ok: false,
      error: { code: "invalid_input" },
    });
    if (!created.ok) return;
    const id = created.data.id;

    expect(await changeRoleAction({ id, role: "operator" })).toEqual({ ok: true, data: undefined });
    expect((await t.database.prisma.staffUser.findUniqueOrThrow({ where: { id } })).role).toBe("operator");
    expect(await setPasswordAction({ id, password: "a-brand-new-password" })).toEqual({ ok: true, data: undefined });
    expect(
      await verifyPassword("a-brand-new-password", (await t.database.prisma.staffUser.findUniqueOrThrow({ where: { id } })).passwordHash),
    ).toBe(true);

    session.sessionIds[id] = (await openStaffSession({ staffUserId: id })).id;
    session.userId = id;
    expect(await currentStaff()).toMatchObject({ id });
    as("admin");
    expect(await setDisabledAction({ id, disabled: true })).toEqual({ ok: true, data: undefined });
    session.userId = id;
    expect(await currentStaff()).toBeNull();
    as("admin");
    expect(await setDisabledAction({ id, disabled: false })).toEqual({ ok: true, data: undefined });

    expect(await changeRoleAction({ id: ids.admin, role: "viewer" })).toMatchObject({ ok: false, error: { code: "own_account" } });
    expect(await setDisabledAction({ id: ids.admin, disabled: true })).toMatchObject({ ok: false, error: { code: "own_account" } });
    expect(await changeRoleAction({ id: UNKNOWN_UUID, role: "viewer" })).toMatchObject({ ok: false, error: { code: "not_found" } });

    const actions = (
      await t.database.prisma.auditLog.findMany({ where: { action: { startsWith: "staff." }, actorType: "staff" }, orderBy: { id: "asc" } })
    ).map((a) => a.action);
    expect(actions).toEqual(["staff.created", "staff.role_changed", "staff.password_reset", "staff.disabled", "staff.enabled"]);
  });

  it("never leaves the console without an active admin", async () => {
    // Only reachable when the acting admin is not an admin any more (two admins demoting each other):
    // the guard is checked inside the transaction.
    const actor = { actorType: "staff" as const, actorId: UNKNOWN_UUID, ip: null };
    await expect(changeStaffRole({ input: { id: ids.admin, role: "viewer" }, actor })).rejects.toMatchObject({ code: "last_admin" });
    expect((await t.database.prisma.staffUser.findUniqueOrThrow({ where: { id: ids.admin } })).role).toBe("admin");
  });
});
