// A staff member's own password change through the console's server action: the current password is
// checked, the new one parsed with the form's schema, the member's other sessions end while the one
// they changed it from stays open, and both the change and a refusal are audited.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const session = vi.hoisted(() => ({ userId: null as string | null, sessionId: "" }));
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: async () => (session.userId ? { user: { id: session.userId, sessionId: session.sessionId } } : null),
}));

import { changePasswordAction } from "@/app/(console)/console/password/actions";
import { verifyPassword } from "@/lib/auth/password";
import { createStaffUser } from "@/lib/auth/staff";
import { findSessionStaff, openStaffSession } from "@/lib/auth/staff-sessions";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

const OLD = "the-old-password-2026";
const NEW = "the-new-password-2026";

describe(`own password change (${databaseKind})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  const signedInTwice = async (email: string) => {
    const user = await createStaffUser({ email, password: OLD, role: "viewer" });
    const here = await openStaffSession({ staffUserId: user.id });
    const elsewhere = await openStaffSession({ staffUserId: user.id });
    session.userId = user.id;
    session.sessionId = here.id;
    return { id: user.id, here: here.id, elsewhere: elsewhere.id };
  };
  const open = (staffUserId: string, sessionId: string) => findSessionStaff({ staffUserId, sessionId });
  const audits = (actorId: string) => t.database.prisma.auditLog.findMany({ where: { actorId }, orderBy: { id: "asc" } });

  it("changes it, ends the other sessions and keeps this one, audited", async () => {
    const member = await signedInTwice("self@example.com");
    const result = await changePasswordAction({ currentPassword: OLD, newPassword: NEW, confirmPassword: NEW });
    expect(result).toEqual({ ok: true, data: { endedSessions: 1 } });
    expect(await open(member.id, member.here)).toMatchObject({ email: "self@example.com" });
    expect(await open(member.id, member.elsewhere)).toBeNull();
    const row = await t.database.prisma.staffUser.findUniqueOrThrow({ where: { id: member.id } });
    expect(await verifyPassword(NEW, row.passwordHash)).toBe(true);
    const ended = await t.database.prisma.staffSession.findUniqueOrThrow({ where: { id: member.elsewhere } });
    expect(ended.revokedReason).toBe("password_changed");
    expect((await audits(member.id)).map((a) => [a.action, a.details])).toEqual([["staff.password_changed", { endedSessions: 1 }]]);
  });

  it("refuses a wrong current password, changing nothing and ending nothing; the refusal is audited", async () => {
    const member = await signedInTwice("wrong@example.com");
    const result = await changePasswordAction({ currentPassword: "not-the-password", newPassword: NEW, confirmPassword: NEW });
    expect(result).toEqual({ ok: false, error: { code: "wrong_password" } });
    expect(await open(member.id, member.elsewhere)).not.toBeNull();
    const row = await t.database.prisma.staffUser.findUniqueOrThrow({ where: { id: member.id } });
    expect(await verifyPassword(OLD, row.passwordHash)).toBe(true);
    expect((await audits(member.id)).map((a) => a.action)).toEqual(["staff.password_change_refused"]);
  });

  it("refuses the current password as the new one, and what the form's schema refuses", async () => {
    const member = await signedInTwice("same@example.com");
    expect(await changePasswordAction({ currentPassword: OLD, newPassword: OLD, confirmPassword: OLD })).toEqual({
      ok: false,
      error: { code: "same_password" },
    });
    const mismatch = await changePasswordAction({ currentPassword: OLD, newPassword: NEW, confirmPassword: `${NEW}!` });
    expect(mismatch).toMatchObject({ ok: false, error: { code: "invalid_input", issues: [{ path: "confirmPassword" }] } });
    const short = await changePasswordAction({ currentPassword: OLD, newPassword: "short", confirmPassword: "short" });
    expect(short).toMatchObject({ ok: false, error: { code: "invalid_input", issues: [{ path: "newPassword" }] } });
    expect(await open(member.id, member.elsewhere)).not.toBeNull();
  });

  it("counts wrong current passwords against the sign-in limits: guessing from an open session stops too", async () => {
    const member = await signedInTwice("guess@example.com");
    const wrong = () => changePasswordAction({ currentPassword: "a-guess-at-it", newPassword: NEW, confirmPassword: NEW });
    for (let i = 0; i < 5; i++) expect(await wrong()).toEqual({ ok: false, error: { code: "wrong_password" } });
    // The right one now waits too.
    expect(await changePasswordAction({ currentPassword: OLD, newPassword: NEW, confirmPassword: NEW })).toEqual({
      ok: false,
      error: { code: "throttled" },
    });
    const row = await t.database.prisma.staffUser.findUniqueOrThrow({ where: { id: member.id } });
    expect(await verifyPassword(OLD, row.passwordHash)).toBe(true);
    expect((await audits(member.id)).at(-1)).toMatchObject({ action: "staff.password_change_refused", details: { reason: "throttled" } });
  });

  it("needs a session", async () => {
    session.userId = null;
    expect(await changePasswordAction({ currentPassword: OLD, newPassword: NEW, confirmPassword: NEW })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
  });
});
