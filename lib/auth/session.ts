// Who is calling: the staff member behind a page or server action. The cookie only names a session;
// the session and the account are re-read from the database on every call, so signing out, a new
// password, a changed role or a disabled account takes effect at once, whatever the cookie says.
import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import type { StaffRole } from "../generated/prisma/enums";
import { getAuthOptions } from "./options";
import { hasRole } from "./roles";
import { findSessionStaff, type SessionStaff } from "./staff-sessions";

export type Staff = SessionStaff;

/** The member and the session (staff_sessions row) the request's cookie names, both still valid. */
export async function currentSession(): Promise<{ staff: Staff; sessionId: string } | null> {
  const session = await getServerSession(getAuthOptions());
  const { id, sessionId } = session?.user ?? {};
  if (!id || !sessionId) return null;
  const staff = await findSessionStaff({ sessionId, staffUserId: id });
  return staff ? { staff, sessionId } : null;
}

export async function currentStaff(): Promise<Staff | null> {
  return (await currentSession())?.staff ?? null;
}

/** For pages: sends anyone without a session to the sign-in page. */
export async function requireStaff(): Promise<Staff> {
  const staff = await currentStaff();
  if (!staff) redirect("/signin");
  return staff;
}

export class ForbiddenError extends Error {
  constructor(readonly needed: StaffRole) {
    super(`This needs the ${needed} role.`);
    this.name = "ForbiddenError";
  }
}

/** For server actions: a session with at least `needed`, or an error (never a redirect). */
export async function requireRole(needed: StaffRole): Promise<Staff> {
  const staff = await currentStaff();
  if (!staff) throw new ForbiddenError(needed);
  if (!hasRole(staff.role, needed)) throw new ForbiddenError(needed);
  return staff;
}
