// Staff accounts: the first admin at start, and creation for the console and CLI.
import { randomBytes } from "node:crypto";
import { db } from "../db";
import { recordAudit, type AuditEntry } from "../audit";
import type { StaffRole } from "../generated/prisma/enums";
import { Prisma } from "../generated/prisma/client";
import { normalizeAddress, UNKNOWN_ADDRESS } from "../client-address";
import { hashPassword, verifyPassword } from "./password";
import { endStaffSessions } from "./staff-sessions";
import { createSignInThrottle } from "./throttle";

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";

export async function createStaffUser({
  email,
  password,
  role,
  name,
}: {
  email: string;
  password: string;
  role: StaffRole;
  name?: string;
}) {
  return db().staffUser.create({
    data: { email: email.trim().toLowerCase(), passwordHash: await hashPassword(password), role, name },
  });
}

/**
 * Sets a member's password and ends every session they have (but `keep`, the session of a member
 * changing their own): whoever knew the old one is signed out. `reason` says whose doing it was:
 * their own change, or a reset by an admin. `audit`, when given, is recorded in the same transaction
 * with the number of sessions ended. Returns that number.
 */
export async function changeStaffPassword({
  staffUserId,
  password,
  reason,
  keep,
  audit,
}: {
  staffUserId: string;
  password: string;
  reason: "password_changed" | "password_reset";
  keep?: string;
  audit?: Omit<AuditEntry, "details">;
}): Promise<number> {
  const passwordHash = await hashPassword(password);
  return db().$transaction(async (tx) => {
    await tx.staffUser.update({ where: { id: staffUserId }, data: { passwordHash } });
    const ended = await endStaffSessions(tx, { staffUserId, reason, keep });
    if (audit) await recordAudit({ ...audit, details: { endedSessions: ended } }, tx);
    return ended;
  });
}

export type OwnPasswordOutcome =
  | { kind: "changed"; endedSessions: number }
  | { kind: "wrong_password" }
  | { kind: "unchanged" }
  | { kind: "throttled"; retryAfterSeconds: number };

/**
 * A member changes their own password from the session `sessionId`: the current one must be right,
 * the new one must differ; then every other session of theirs ends (another device, or whoever had
 * the old password) while this one stays. Audited either way: a wrong current password from a live
 * session is worth knowing about.
 */
export async function changeOwnPassword({
  staffUserId,
  sessionId,
  currentPassword,
  newPassword,
  ip = null,
}: {
  staffUserId: string;
  sessionId: string;
  currentPassword: string;
  newPassword: string;
  ip?: string | null;
}): Promise<OwnPasswordOutcome> {
  const user = await db().staffUser.findUniqueOrThrow({ where: { id: staffUserId }, select: { email: true, passwordHash: true } });
  const actor = { actorType: "staff" as const, actorId: staffUserId, target: user.email, ip };
  // Guessing the current password from an open session counts against the same limits as signing in.
  const throttle = createSignInThrottle(db());
  const key = { email: user.email, ip: normalizeAddress(ip ?? UNKNOWN_ADDRESS) };
  const taken = await throttle.take(key);
  if (!taken.allowed) {
    await recordAudit({ ...actor, action: "staff.password_change_refused", details: { reason: "throttled" } });
    return { kind: "throttled", retryAfterSeconds: taken.retryAfterSeconds };
  }
  if (!(await verifyPassword(currentPassword, user.passwordHash))) {
    await recordAudit({ ...actor, action: "staff.password_change_refused", details: { reason: "wrong_password" } });
    return { kind: "wrong_password" };
  }
  await throttle.recordSuccess(key);
  if (await verifyPassword(newPassword, user.passwordHash)) return { kind: "unchanged" };
  const endedSessions = await changeStaffPassword({
    staffUserId,
    password: newPassword,
    reason: "password_changed",
    keep: sessionId,
    audit: { ...actor, action: "staff.password_changed" },
  });
  return { kind: "changed", endedSessions };
}

export type FirstAdminOutcome =
  | { kind: "exists" }
  | { kind: "created-from-env"; email: string }
  | { kind: "created-generated"; email: string; password: string }
  | { kind: "missing" };

export const GENERATED_ADMIN_EMAIL = "admin@portal.local";

/**
 * Makes sure someone can sign in: ADMIN_EMAIL/ADMIN_PASSWORD when set; on the embedded default, a
 * generated password (returned so the caller prints it once); with a real database and no
 * variables, nothing (the caller says how to create one).
 */
export async function ensureFirstAdmin({
  admin,
  embedded,
}: {
  admin?: { email: string; password: string };
  embedded: boolean;
}): Promise<FirstAdminOutcome> {
  const prisma = db();
  if (admin) {
    const existing = await prisma.staffUser.findUnique({ where: { email: admin.email.toLowerCase() } });
    if (existing) return { kind: "exists" };
    // Several instances starting together all try: one creates, the others find it made.
    const created = await createStaffUser({ ...admin, role: "admin", name: "Admin" }).then(
      () => true,
      (error: unknown) => {
        if (isUniqueViolation(error)) return false;
        throw error;
      },
    );
    if (!created) return { kind: "exists" };
    await recordAudit({
      actorType: "system",
      action: "staff.created",
      target: admin.email.toLowerCase(),
      details: { role: "admin", source: "ADMIN_EMAIL" },
    });
    return { kind: "created-from-env", email: admin.email.toLowerCase() };
  }
  if ((await prisma.staffUser.count()) > 0) return { kind: "exists" };
  if (!embedded) return { kind: "missing" };
  const password = randomBytes(12).toString("base64url");
  await createStaffUser({ email: GENERATED_ADMIN_EMAIL, password, role: "admin", name: "Admin" });
  await recordAudit({
    actorType: "system",
    action: "staff.created",
    target: GENERATED_ADMIN_EMAIL,
    details: { role: "admin", source: "generated" },
  });
  return { kind: "created-generated", email: GENERATED_ADMIN_EMAIL, password };
}
