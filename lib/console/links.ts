// Authorization links made by staff: an attempt (pre_auth_code) for an auth_type, optionally pinned
// to one account (biz_appid) and narrowed to some permission sets; the list of attempts with their
// status; and the defaults for re-authorizing one account with the permission sets it lacks.
import { z } from "zod";
import { closedWhere, createAttempt, viewAttempt, type AttemptView } from "../authorization/attempts";
import { merchantRefSchema, returnUrlSchema } from "../authorization/merchant-binding";
import { recordAudit } from "../audit";
import { db } from "../db";
import { getEnv } from "../env";
import type { AccountType, AttemptStatus } from "../generated/prisma/enums";
import type { Prisma } from "../generated/prisma/client";
import { appidSchema, type AuthType } from "../wechat/links";
import { ConsoleError } from "./errors";
import { offeredPermissionSets } from "./permission-set-groups";
import type { StaffActor } from "./safe-action";
import { staffLabels } from "./staff-labels";

const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

export const linkInputSchema = z.object({
  authType: z.coerce.number().int().min(1).max(6),
  bizAppid: z.preprocess((v) => (typeof v === "string" ? blankToUndefined(v.trim()) : v), appidSchema.optional()),
  permissionSetIds: z.array(z.coerce.number().int().positive().max(100_000)).max(100).default([]),
  /** The provider's id for the merchant (商户标识); the account it authorizes is bound to it. */
  merchantRef: z.preprocess((v) => (typeof v === "string" ? blankToUndefined(v.trim()) : v), merchantRefSchema.optional()),
  /** Where the merchant lands afterwards (an origin RETURN_URL_ORIGINS allows). */
  returnUrl: z.preprocess((v) => (typeof v === "string" ? blankToUndefined(v.trim()) : v), returnUrlSchema.optional()),
  /** Why it was made, for the audit log: a plain link, or re-authorizing one account. */
  purpose: z.enum(["link", "reauthorization"]).default("link"),
});
export type LinkInput = z.output<typeof linkInputSchema>;

export async function createLink({ input, actor }: { input: LinkInput; actor: StaffActor }): Promise<{ id: string }> {
  const permissionSetIds = [...new Set(input.permissionSetIds)].sort((a, b) => a - b);
  const attempt = await createAttempt(
    { authType: input.authType, bizAppid: input.bizAppid, permissionSetIds, merchantRef: input.merchantRef, returnUrl: input.returnUrl },
    { createdById: actor.actorId },
  );
  await recordAudit({
    ...actor,
    action: input.purpose === "reauthorization" ? "link.reauthorization_created" : "link.created",
    target: input.bizAppid ?? `attempt:${attempt.id}`,
    details: {
      attemptId: attempt.id,
      authType: input.authType,
      bizAppid: input.bizAppid ?? null,
      permissionSetIds,
      merchantRef: input.merchantRef ?? null,
      returnUrl: input.returnUrl ?? null,
    },
  });
  return { id: attempt.id };
}

/** Status as staff see it: a pending attempt that has closed (lifecycleStatus) is expired. */
export const ATTEMPT_FILTERS = ["pending", "completed", "expired", "failed", "cancelled"] as const satisfies readonly AttemptStatus[];
export type AttemptFilter = (typeof ATTEMPT_FILTERS)[number];

export type AttemptRow = AttemptView & { createdBy: string | null; authorizerName: string | null };

function statusWhere(status: AttemptFilter | undefined, now: Date): Prisma.AuthorizationAttemptWhereInput {
  if (status === "pending") return { status: "pending", NOT: closedWhere(now) };
  if (status === "expired") return { OR: [{ status: "expired" }, { status: "pending", ...closedWhere(now) }] };
  return status ? { status } : {};
}

export async function listAttempts({
  status,
  before,
  size = 30,
  now = new Date(),
}: {
  status?: AttemptFilter;
  /** createdAt of the last row of the previous page (newest first). */
  before?: Date;
  size?: number;
  now?: Date;
}): Promise<{ rows: AttemptRow[]; nextBefore: Date | null }> {
  const rows = await db().authorizationAttempt.findMany({
    where: { componentAppid: getEnv().component.appid, ...statusWhere(status, now), ...(before ? { createdAt: { lt: before } } : {}) },
    orderBy: { createdAt: "desc" },
    take: size + 1,
    include: { authorizer: { select: { nickName: true } } },
  });
  const page = rows.slice(0, size);
  const labels = await staffLabels(page.map((row) => row.createdById));
  return {
    rows: page.map((row) => ({
      ...viewAttempt(row, now),
      createdBy: row.createdById ? (labels.get(row.createdById) ?? row.createdById) : null,
      authorizerName: row.authorizer?.nickName ?? null,
    })),
    nextBefore: rows.length > size ? (page.at(-1)?.createdAt ?? null) : null,
  };
}

export async function loadAttempt(id: string): Promise<AttemptRow | null> {
  const row = await db().authorizationAttempt.findUnique({ where: { id }, include: { authorizer: { select: { nickName: true } } } });
  if (!row) return null;
  const labels = await staffLabels([row.createdById]);
  return {
    ...viewAttempt(row),
    createdBy: row.createdById ? (labels.get(row.createdById) ?? row.createdById) : null,
    authorizerName: row.authorizer?.nickName ?? null,
  };
}

/** The auth_type a re-authorization link lists the account under (an account of unknown kind: 3, WeChat's own default). */
const AUTH_TYPE_FOR: Record<AccountType, AuthType> = { official_account: 1, mini_program: 2, promoter: 4, channels: 5, unknown: 3 };

export type ReauthorizationPlan = {
  appid: string;
  authType: AuthType;
  granted: number[];
  /** Sets of the account's kind it has not granted. */
  missing: number[];
};

/**
 * What a targeted re-authorization link should ask for. A new authorization replaces the grant with
 * what the admin ticks, so the link offers the sets already granted as well as the missing ones:
 * offering only the missing sets would take the others away.
 */
export async function planReauthorization(appid: string): Promise<ReauthorizationPlan> {
  const row = await db().authorizer.findUnique({
    where: { appid },
    select: { accountType: true, permissionSets: { select: { funcscopeId: true }, orderBy: { funcscopeId: "asc" } } },
  });
  if (!row) throw new ConsoleError("not_found", `No authorizer ${appid}.`);
  const granted = row.permissionSets.map((set) => set.funcscopeId);
  const missing = offeredPermissionSets(row.accountType)
    .map((set) => set.id)
    .filter((id) => !granted.includes(id));
  return { appid, authType: AUTH_TYPE_FOR[row.accountType], granted, missing };
}
