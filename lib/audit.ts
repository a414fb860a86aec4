// The audit log: who did what to which thing. Every staff action and credential event goes here.
// Recording is never the reason an action fails: values are cut to their columns, and a write that
// fails anyway is logged and the action carries on.
import type { ActorType } from "./generated/prisma/enums";
import type { Prisma, PrismaClient } from "./generated/prisma/client";
import { db } from "./db";
import { logger } from "./logger";

export type AuditEntry = {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  target?: string | null;
  details?: Prisma.InputJsonValue;
  ip?: string | null;
};

/** The widths of the audit_logs columns (prisma/schema.prisma). */
const WIDTH = { actorId: 64, action: 100, target: 200, ip: 64 } as const;

const cut = (value: string | null | undefined, width: number) => (value == null ? value : value.slice(0, width));

function toRow(entry: AuditEntry) {
  return {
    ...entry,
    actorId: cut(entry.actorId, WIDTH.actorId),
    action: entry.action.slice(0, WIDTH.action),
    target: cut(entry.target, WIDTH.target),
    // Addresses are short; anything longer is not one (a header someone filled with junk).
    ip: entry.ip && entry.ip.length > WIDTH.ip ? "unknown" : entry.ip,
    details: entry.details ?? undefined,
  };
}

/**
 * Records one entry. Given a transaction, the entry is part of it (and fails with it); on its own,
 * a failed write is logged and swallowed.
 */
export async function recordAudit(entry: AuditEntry, transaction?: Pick<PrismaClient, "auditLog">): Promise<void> {
  if (transaction) {
    await transaction.auditLog.create({ data: toRow(entry) });
    return;
  }
  try {
    await db().auditLog.create({ data: toRow(entry) });
  } catch (error) {
    logger.error({ err: error, action: entry.action, actorType: entry.actorType }, "audit: could not record an entry");
  }
}
