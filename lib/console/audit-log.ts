// The audit log as the console lists it: newest first, filtered by action, actor kind or target,
// paged by id (a keyset: the log only grows).
import { z } from "zod";
import { db } from "../db";
import type { ActorType } from "../generated/prisma/enums";
import type { Prisma } from "../generated/prisma/client";
import { optionalParam } from "./query-params";
import { staffLabels } from "./staff-labels";

export const ACTOR_TYPES = ["staff", "api_key", "system", "wechat"] as const satisfies readonly ActorType[];

export const auditQuerySchema = z.object({
  action: optionalParam(z.string().trim().max(100)),
  actor: optionalParam(z.enum(ACTOR_TYPES)),
  target: optionalParam(z.string().trim().max(200)),
  before: optionalParam(z.string().regex(/^\d{1,19}$/)),
});
export type AuditQuery = z.output<typeof auditQuerySchema>;

export type AuditRow = {
  id: string;
  at: Date;
  actorType: ActorType;
  actor: string | null;
  action: string;
  target: string | null;
  details: unknown;
  ip: string | null;
};

export async function listAudit(
  query: AuditQuery,
  { size = 50 }: { size?: number } = {},
): Promise<{ rows: AuditRow[]; nextBefore: string | null }> {
  const where: Prisma.AuditLogWhereInput = {
    ...(query.action ? { action: { startsWith: query.action } } : {}),
    ...(query.actor ? { actorType: query.actor } : {}),
    ...(query.target ? { target: query.target } : {}),
    ...(query.before ? { id: { lt: BigInt(query.before) } } : {}),
  };
  const rows = await db().auditLog.findMany({ where, orderBy: { id: "desc" }, take: size + 1 });
  const page = rows.slice(0, size);
  const labels = await staffLabels(page.filter((row) => row.actorType === "staff").map((row) => row.actorId));
  return {
    rows: page.map((row) => ({
      id: row.id.toString(),
      at: row.createdAt,
      actorType: row.actorType,
      actor: row.actorType === "staff" && row.actorId ? (labels.get(row.actorId) ?? row.actorId) : row.actorId,
      action: row.action,
      target: row.target,
      details: row.details,
      ip: row.ip,
    })),
    nextBefore: rows.length > size ? (page.at(-1)?.id.toString() ?? null) : null,
  };
}
