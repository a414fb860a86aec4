// Which of the provider's merchants an account belongs to. A link (attempt) made by staff or the
// API may carry the provider's own id for its customer (merchant_ref) and a return_url where the
// merchant lands afterwards. The authorization that completes such a link binds the account to its
// merchant_ref; staff may rebind it in the console. Authorizer.merchantRef is the binding now;
// authorizer_merchant_bindings keeps every binding with when it began and ended.
import { z } from "zod";
import type { Prisma } from "../generated/prisma/client";
import { recordAudit, type AuditEntry } from "../audit";
import { db } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";

type Tx = Prisma.TransactionClient;

export const MERCHANT_REF_MAX = 128;
export const RETURN_URL_MAX = 2048;

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** The provider's id for its customer: opaque to the portal, trimmed, 1–128 characters, printable. */
export const merchantRefSchema = z
  .string({ error: "merchant_ref must be a string" })
  .trim()
  .min(1, "merchant_ref must not be empty")
  .max(MERCHANT_REF_MAX, `merchant_ref must be at most ${MERCHANT_REF_MAX} characters`)
  .refine((value) => !CONTROL_CHARACTERS.test(value), "merchant_ref must not contain control characters");

/** Why `value` may not be a return_url, or null when it may. Origins are read from the settings now. */
export function returnUrlProblem(value: string): string | null {
  if (!URL.canParse(value)) return "return_url must be an absolute URL (https://…)";
  const url = new URL(value);
  if (url.protocol !== "https:" && url.protocol !== "http:") return "return_url must be an http(s) URL";
  if (url.username || url.password) return "return_url must not carry a user name or password";
  const allowed = getEnv().hub.returnUrlOrigins;
  if (allowed.length === 0) return "return_url is not accepted: no return_url origins are configured (RETURN_URL_ORIGINS)";
  if (!allowed.includes(url.origin)) return `return_url's origin ${url.origin} is not allowed; allowed: ${allowed.join(", ")}`;
  return null;
}

/** An absolute URL on one of the origins RETURN_URL_ORIGINS allows. */
export const returnUrlSchema = z
  .string({ error: "return_url must be a string" })
  .trim()
  .max(RETURN_URL_MAX, `return_url must be at most ${RETURN_URL_MAX} characters`)
  .superRefine((value, ctx) => {
    const problem = returnUrlProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export type BindingSource = "link" | "staff" | "api";

export type BindingChange = { changed: boolean; before: string | null; after: string | null };

/**
 * Binds the account to `merchantRef` (null: to no merchant) in the caller's transaction: the open
 * binding is closed and a new one opened. Binding to the merchant it has is a no-op. The account's
 * row is locked first, so two bindings at once cannot both leave an open row.
 */
export async function bindMerchant(
  tx: Tx,
  {
    authorizerAppid,
    componentAppid,
    merchantRef,
    attemptId,
    source,
    now,
  }: {
    authorizerAppid: string;
    componentAppid: string;
    merchantRef: string | null;
    attemptId?: string | null;
    source: BindingSource;
    now: Date;
  },
): Promise<BindingChange> {
  const rows = await tx.$queryRaw<{ merchant_ref: string | null }[]>`
    SELECT merchant_ref FROM authorizers WHERE appid = ${authorizerAppid} FOR UPDATE`;
  const [row] = rows;
  if (!row) throw new Error(`no authorizer ${authorizerAppid} to bind to a merchant`);
  const before = row.merchant_ref;
  if (before === merchantRef) return { changed: false, before, after: merchantRef };
  await tx.authorizerMerchantBinding.updateMany({
    where: { componentAppid, authorizerAppid, unboundAt: null },
    data: { unboundAt: now },
  });
  if (merchantRef !== null) {
    await tx.authorizerMerchantBinding.create({
      data: { componentAppid, authorizerAppid, merchantRef, attemptId: attemptId ?? null, source, boundAt: now },
    });
  }
  await tx.authorizer.update({ where: { appid: authorizerAppid }, data: { merchantRef } });
  return { changed: true, before, after: merchantRef };
}

/** The account is not known (not in this component). */
export class UnknownAuthorizer extends Error {
  constructor(readonly appid: string) {
    super(`no authorizer ${appid}`);
    this.name = "UnknownAuthorizer";
  }
}

/**
 * Staff (the console) bind an account to another merchant, or to none (null), with an audit entry
 * in the same transaction. `merchantRef` is validated here (merchantRefSchema).
 */
export async function rebindMerchant({
  authorizerAppid,
  merchantRef,
  actor,
  now = new Date(),
}: {
  authorizerAppid: string;
  merchantRef: string | null;
  actor: Pick<AuditEntry, "actorType" | "actorId" | "ip">;
  now?: Date;
}): Promise<BindingChange> {
  const next = merchantRef === null ? null : merchantRefSchema.parse(merchantRef);
  const componentAppid = getEnv().component.appid;
  const change = await db().$transaction(async (tx) => {
    const found = await tx.authorizer.findFirst({ where: { appid: authorizerAppid, componentAppid }, select: { appid: true } });
    if (!found) throw new UnknownAuthorizer(authorizerAppid);
    const result = await bindMerchant(tx, { authorizerAppid, componentAppid, merchantRef: next, source: "staff", now });
    if (result.changed) {
      await recordAudit(
        {
          ...actor,
          action: "authorizer.merchant_rebound",
          target: authorizerAppid,
          details: { before: result.before, after: result.after },
        },
        tx,
      );
    }
    return result;
  });
  if (change.changed) logger.info({ authorizerAppid, before: change.before, after: change.after }, "authorizer bound to another merchant");
  return change;
}

/** The account's bindings, newest first (the console's history). */
export function listMerchantBindings(authorizerAppid: string) {
  return db().authorizerMerchantBinding.findMany({
    where: { componentAppid: getEnv().component.appid, authorizerAppid },
    orderBy: [{ boundAt: "desc" }, { id: "desc" }],
  });
}
