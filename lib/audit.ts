// The audit log: who did what to which thing. Every staff action and credential event goes here.
import type { ActorType } from "./generated/prisma/enums";
import type { Prisma, PrismaClient } from "./generated/prisma/client";
import { db } from "./db";

export type AuditEntry = {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  target?: string | null;
  details?: Prisma.InputJsonValue;
  ip?: string | null;
};

export async function recordAudit(entry: AuditEntry, prisma: Pick<PrismaClient, "auditLog"> = db()): Promise<void> {
  await prisma.auditLog.create({ data: { ...entry, details: entry.details ?? undefined } });
}
