// Staff accounts and their roles, managed by admins from the console. Two guards keep the console
// reachable: nobody changes or disables their own account here, and the last active admin stays one.
import { z } from "zod";
import { recordAudit } from "../audit";
import { changeStaffPassword, createStaffUser } from "../auth/staff";
import { STAFF_ROLES } from "../auth/roles";
import { endStaffSessions } from "../auth/staff-sessions";
import { db } from "../db";
import type { Prisma } from "../generated/prisma/client";
import type { StaffRole } from "../generated/prisma/enums";
import { ConsoleError } from "./errors";
import type { StaffActor } from "./safe-action";

export type StaffUserRow = {
  id: string;
  email: string;
  name: string | null;
  role: StaffRole;
  disabledAt: Date | null;
  lastSignInAt: Date | null;
  createdAt: Date;
};

export async function listStaffUsers(): Promise<StaffUserRow[]> {
  return db().staffUser.findMany({
    orderBy: [{ disabledAt: { sort: "asc", nulls: "first" } }, { createdAt: "asc" }],
    select: { id: true, email: true, name: true, role: true, disabledAt: true, lastSignInAt: true, createdAt: true },
  });
}

// Same floor as ADMIN_PASSWORD (lib/env.ts).
const passwordSchema = z.string().min(12, "at least 12 characters").max(200);
const roleSchema = z.enum(STAFF_ROLES);

export const createStaffSchema = z.object({
  email: z.preprocess((v) => (typeof v === "string" ? v.trim().toLowerCase() : v), z.email().max(320)),
  name: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), z.string().trim().max(100).optional()),
  role: roleSchema,
  password: passwordSchema,
});

export const changeRoleSchema = z.object({ id: z.uuid(), role: roleSchema });
export const setDisabledSchema = z.object({ id: z.uuid(), disabled: z.boolean() });
export const setPasswordSchema = z.object({ id: z.uuid(), password: passwordSchema });

export async function createStaff({
  input,
  actor,
}: {
  input: z.output<typeof createStaffSchema>;
  actor: StaffActor;
}): Promise<{ id: string; email: string }> {
  if (await db().staffUser.findUnique({ where: { email: input.email }, select: { id: true } })) {
    throw new ConsoleError("email_taken", `A staff account for ${input.email} exists already.`);
  }
  const user = await createStaffUser(input);
  await recordAudit({ ...actor, action: "staff.created", target: user.email, details: { role: user.role, id: user.id } });
  return { id: user.id, email: user.email };
}

type Tx = Prisma.TransactionClient;

async function loadOther(tx: Tx, { id, actor }: { id: string; actor: StaffActor }) {
  if (id === actor.actorId) throw new ConsoleError("own_account", "Your own role and access are changed by another admin.");
  const user = await tx.staffUser.findUnique({ where: { id } });
  if (!user) throw new ConsoleError("not_found", `No staff account ${id}.`);
  return user;
}

/** Refuses to leave the console without an active admin. */
async function keepAnAdmin(tx: Tx, { losing }: { losing: string }): Promise<void> {
  const others = await tx.staffUser.count({ where: { role: "admin", disabledAt: null, id: { not: losing } } });
  if (others === 0) throw new ConsoleError("last_admin", "This is the last active admin.");
}

export async function changeStaffRole({ input, actor }: { input: z.output<typeof changeRoleSchema>; actor: StaffActor }): Promise<void> {
  const change = await db().$transaction(async (tx) => {
    const user = await loadOther(tx, { id: input.id, actor });
    if (user.role === input.role) return null;
    if (user.role === "admin" && !user.disabledAt) await keepAnAdmin(tx, { losing: user.id });
    await tx.staffUser.update({ where: { id: user.id }, data: { role: input.role } });
    // They sign in again to work with the new role, rather than carrying on in a session of the old one.
    await endStaffSessions(tx, { staffUserId: user.id, reason: "role_changed" });
    return { email: user.email, from: user.role };
  });
  if (change)
    await recordAudit({
      ...actor,
      action: "staff.role_changed",
      target: change.email,
      details: { id: input.id, from: change.from, to: input.role },
    });
}

export async function setStaffDisabled({ input, actor }: { input: z.output<typeof setDisabledSchema>; actor: StaffActor }): Promise<void> {
  const change = await db().$transaction(async (tx) => {
    const user = await loadOther(tx, { id: input.id, actor });
    if (!!user.disabledAt === input.disabled) return null;
    if (input.disabled && user.role === "admin") await keepAnAdmin(tx, { losing: user.id });
    // Disabling ends their sessions (and every request re-checks the account, lib/auth/session.ts).
    await tx.staffUser.update({ where: { id: user.id }, data: { disabledAt: input.disabled ? new Date() : null } });
    if (input.disabled) await endStaffSessions(tx, { staffUserId: user.id, reason: "disabled" });
    return { email: user.email };
  });
  if (change)
    await recordAudit({
      ...actor,
      action: input.disabled ? "staff.disabled" : "staff.enabled",
      target: change.email,
      details: { id: input.id },
    });
}

export async function setStaffPassword({ input, actor }: { input: z.output<typeof setPasswordSchema>; actor: StaffActor }): Promise<void> {
  const user = await db().$transaction((tx) => loadOther(tx, { id: input.id, actor }));
  // Ends their sessions too: whoever knew the old password is signed out.
  await changeStaffPassword({ staffUserId: user.id, password: input.password, reason: "password_reset" });
  await recordAudit({ ...actor, action: "staff.password_reset", target: user.email, details: { id: user.id } });
}
