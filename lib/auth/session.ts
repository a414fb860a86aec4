// Who is calling: the staff member behind a page or server action, re-read from the database so a
// disabled account or a changed role takes effect at once, whatever the cookie says.
import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { db } from "../db";
import type { StaffRole } from "../generated/prisma/enums";
import { getAuthOptions } from "./options";
import { hasRole } from "./roles";

export type Staff = { id: string; email: string; name: string | null; role: StaffRole };

export async function currentStaff(): Promise<Staff | null> {
  const session = await getServerSession(getAuthOptions());
  if (!session?.user?.id) return null;
  const user = await db().staffUser.findUnique({ where: { id: session.user.id } });
  if (!user || user.disabledAt) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
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
