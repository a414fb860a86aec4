// Staff sessions on the server: each sign-in opens a staff_sessions row and its id goes into the
// session cookie. A cookie is only as good as its row, so a session can be ended from here: by
// signing out, or for all of a member's sessions when their password, role or access changes.
import { z } from "zod";
import { db } from "../db";
import type { Prisma } from "../generated/prisma/client";
import type { StaffRole } from "../generated/prisma/enums";
import { STAFF_SESSION_LIFETIME_SECONDS } from "./session-claims";

export type SessionEndReason = "sign_out" | "password_changed" | "password_reset" | "role_changed" | "disabled";

export type OpenedSession = { id: string; signedInAt: Date; expiresAt: Date };

export type SessionStaff = { id: string; email: string; name: string | null; role: StaffRole };

type Client = Pick<Prisma.TransactionClient, "staffSession">;

const sessionId = z.uuid();

export async function openStaffSession(
  { staffUserId, ip = null, now = new Date() }: { staffUserId: string; ip?: string | null; now?: Date },
  client: Client = db(),
): Promise<OpenedSession> {
  // Rows past their lifetime are of no use to anyone: a member's go when they sign in again.
  await client.staffSession.deleteMany({ where: { staffUserId, expiresAt: { lte: now } } });
  const expiresAt = new Date(now.getTime() + STAFF_SESSION_LIFETIME_SECONDS * 1000);
  const row = await client.staffSession.create({ data: { staffUserId, ip, createdAt: now, expiresAt } });
  return { id: row.id, signedInAt: row.createdAt, expiresAt: row.expiresAt };
}

/** The member behind an open session (not ended, not expired, account enabled), as they are now. */
export async function findSessionStaff({
  sessionId: id,
  staffUserId,
  now = new Date(),
}: {
  sessionId: string;
  staffUserId: string;
  now?: Date;
}): Promise<SessionStaff | null> {
  if (!sessionId.safeParse(id).success) return null;
  const row = await db().staffSession.findUnique({
    where: { id },
    select: {
      staffUserId: true,
      expiresAt: true,
      revokedAt: true,
      staffUser: { select: { id: true, email: true, name: true, role: true, disabledAt: true } },
    },
  });
  if (!row || row.staffUserId !== staffUserId || row.revokedAt || row.expiresAt <= now || row.staffUser.disabledAt) return null;
  const { email, name, role } = row.staffUser;
  return { id: row.staffUserId, email, name, role };
}

/** Ends one session (signing out). */
export async function endStaffSession({
  sessionId: id,
  reason,
  now = new Date(),
}: {
  sessionId: string;
  reason: SessionEndReason;
  now?: Date;
}): Promise<boolean> {
  if (!sessionId.safeParse(id).success) return false;
  const { count } = await db().staffSession.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now, revokedReason: reason } });
  return count > 0;
}

/**
 * Ends every open session of one member (but `keep`: the session of a member changing their own
 * password stays signed in on the device they changed it from); pass the transaction that makes the change.
 */
export async function endStaffSessions(
  client: Client,
  { staffUserId, reason, keep, now = new Date() }: { staffUserId: string; reason: SessionEndReason; keep?: string; now?: Date },
): Promise<number> {
  const { count } = await client.staffSession.updateMany({
    where: { staffUserId, revokedAt: null, expiresAt: { gt: now }, ...(keep ? { id: { not: keep } } : {}) },
    data: { revokedAt: now, revokedReason: reason },
  });
  return count;
}
