// An attempt as the merchant pages and /api/authorize show it (types.ts): how long it is offered, the
// current code's links while it has one, and on completion the account and the permission sets
// actually granted; once it has ended, the provider's return_url with the outcome (returnTo).
import { z } from "zod";
import { db } from "../db";
import { getEnv } from "../env";
import type { AuthorizationAttempt } from "../generated/prisma/client";
import { closesAt, hasLiveCode, lifecycleStatus, viewAttempt } from "../authorization/attempts";
import { getCodeTiming, type CodeTiming } from "./timing";
import { listWithheldSets, nameSets } from "./permission-set-names";
import type { AttemptFailure, PublicAttempt, PublicAuthorizer } from "./types";
import { returnToFor } from "./return-url";
import { buildPhonePageUrl } from "./urls";

const successResultSchema = z.object({ authorizerAppid: z.string(), permissionSetIds: z.array(z.number().int()) });
const failureResultSchema = z.object({ reason: z.string(), errcode: z.number().int().optional() });

/** The current code's timing (for an attempt that has one). */
export const timingOf = (row: AuthorizationAttempt): CodeTiming =>
  getCodeTiming({ issuedAt: row.codeIssuedAt ?? row.updatedAt, expiresAt: row.expiresAt });

async function findAuthorizer(appid: string): Promise<(PublicAuthorizer & { permissionSetIds: number[] }) | null> {
  const row = await db().authorizer.findUnique({
    where: { appid },
    select: {
      appid: true,
      nickName: true,
      headImg: true,
      accountType: true,
      serviceType: true,
      verifyType: true,
      permissionSets: { select: { funcscopeId: true }, orderBy: { funcscopeId: "asc" } },
    },
  });
  if (!row) return null;
  const { permissionSets, ...authorizer } = row;
  return { ...authorizer, permissionSetIds: permissionSets.map((set) => set.funcscopeId) };
}

function readFailure(result: unknown): AttemptFailure {
  const parsed = failureResultSchema.safeParse(result);
  return parsed.success ? { reason: parsed.data.reason, errcode: parsed.data.errcode ?? null } : { reason: "unknown", errcode: null };
}

export async function toPublicAttempt(row: AuthorizationAttempt, now = new Date()): Promise<PublicAttempt> {
  const view = viewAttempt(row, now);
  // The merchant's status is the attempt's own: a lapsed code is only replaced when next needed.
  const status = lifecycleStatus(row, now);
  const closes = closesAt(row);
  const base: PublicAttempt = {
    id: view.id,
    status,
    authType: view.authType,
    bizAppid: view.bizAppid,
    requestedPermissionSets: nameSets(view.permissionSetIds),
    expiresAt: closes.toISOString(),
    expiresInMs: status === "pending" ? Math.max(0, closes.getTime() - now.getTime()) : 0,
    phoneUrl: buildPhonePageUrl({ baseUrl: getEnv().publicBaseUrl, attemptId: view.id }),
    links: view.links ? { pc: view.links.pc, h5: view.links.h5 } : null,
    codeExpiresInMs: status === "pending" && hasLiveCode(row, now) ? row.expiresAt.getTime() - now.getTime() : null,
    authorizer: null,
    grantedPermissionSets: null,
    withheldPermissionSets: null,
    failure: null,
    returnTo: returnToFor(row, now),
  };
  if (status === "failed" || status === "cancelled") return { ...base, failure: readFailure(view.result) };
  if (status !== "completed" || !view.authorizerAppid) return base;

  const authorizer = await findAuthorizer(view.authorizerAppid);
  const result = successResultSchema.safeParse(view.result);
  // The grant of this very authorization; the account's current sets only if the row lacks it.
  const granted = result.success ? result.data.permissionSetIds : (authorizer?.permissionSetIds ?? []);
  const shown: PublicAuthorizer = authorizer
    ? {
        appid: authorizer.appid,
        nickName: authorizer.nickName,
        headImg: authorizer.headImg,
        accountType: authorizer.accountType,
        serviceType: authorizer.serviceType,
        verifyType: authorizer.verifyType,
      }
    : { appid: view.authorizerAppid, nickName: null, headImg: null, accountType: "unknown", serviceType: null, verifyType: null };
  return {
    ...base,
    authorizer: shown,
    grantedPermissionSets: nameSets([...granted].sort((a, b) => a - b)),
    withheldPermissionSets: listWithheldSets({ requested: view.permissionSetIds, accountType: shown.accountType, granted }),
  };
}
