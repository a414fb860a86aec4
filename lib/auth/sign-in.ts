// Email + password sign-in for staff, throttled per account+address and per address. A good
// password opens a server-side session (lib/auth/staff-sessions.ts) that the cookie will name.
import { db } from "../db";
import { recordAudit } from "../audit";
import { normalizeAddress, UNKNOWN_ADDRESS } from "../client-address";
import type { StaffRole } from "../generated/prisma/enums";
import { burnPasswordCheck, PasswordCheckBusy, verifyPassword } from "./password";
import { openStaffSession, type OpenedSession } from "./staff-sessions";
import { createSignInThrottle } from "./throttle";

export type SignedInStaff = { id: string; email: string; name: string | null; role: StaffRole };

export type SignInResult =
  | { ok: true; staff: SignedInStaff; session: OpenedSession }
  | { ok: false; reason: "invalid" }
  /** Too many password checks under way in this process: try again in a moment. */
  | { ok: false; reason: "busy" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

export async function signInWithPassword({
  email,
  password,
  ip: address,
}: {
  email: string;
  password: string;
  ip: string;
}): Promise<SignInResult> {
  // Whatever the caller passes, the throttle keys, the audit log and the session get an address or "unknown".
  const ip = normalizeAddress(address);
  const prisma = db();
  const throttle = createSignInThrottle(prisma);
  const normalized = email.trim().toLowerCase();
  const key = { email: normalized, ip };

  const taken = await throttle.take(key);
  if (!taken.allowed) {
    await recordAudit({ actorType: "staff", action: "staff.sign_in_throttled", target: normalized, ip });
    return { ok: false, reason: "throttled", retryAfterSeconds: taken.retryAfterSeconds };
  }

  const user = await prisma.staffUser.findUnique({ where: { email: normalized } });
  let valid: boolean;
  try {
    valid =
      user && !user.disabledAt ? await verifyPassword(password, user.passwordHash) : await burnPasswordCheck(password).then(() => false);
  } catch (error) {
    if (!(error instanceof PasswordCheckBusy)) throw error;
    return { ok: false, reason: "busy" };
  }
  if (!user || !valid) {
    await recordAudit({ actorType: "staff", actorId: user?.id, action: "staff.sign_in_failed", target: normalized, ip });
    return { ok: false, reason: "invalid" };
  }

  await throttle.recordSuccess(key);
  const now = new Date();
  const session = await prisma.$transaction(async (tx) => {
    await tx.staffUser.update({ where: { id: user.id }, data: { lastSignInAt: now } });
    return openStaffSession({ staffUserId: user.id, ip: ip === UNKNOWN_ADDRESS ? null : ip, now }, tx);
  });
  await recordAudit({ actorType: "staff", actorId: user.id, action: "staff.signed_in", target: normalized, ip });
  return { ok: true, staff: { id: user.id, email: user.email, name: user.name, role: user.role }, session };
}
