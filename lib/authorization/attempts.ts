// Authorization attempts: one merchant's try, with its pre_auth_code (10 minutes) and the links
// built from it. The attempt's id and an anti-forgery state travel in redirect_uri.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { db } from "../db";
import { getEnv } from "../env";
import type { AuthorizationAttempt } from "../generated/prisma/client";
import { withComponentToken } from "../credentials/component-token";
import { lifetimeTimes } from "../credentials/refresh-policy";
import { wechatApi } from "../upstream";
import { appidSchema, buildH5AuthLink, buildPcAuthLink, buildPluginParams, type AuthType, type PluginAuthParams } from "../wechat/links";

export const attemptInputSchema = z.object({
  authType: z.coerce.number().int().min(1).max(6).default(3),
  bizAppid: appidSchema.optional(),
  permissionSetIds: z.array(z.coerce.number().int().positive()).max(100).default([]),
});
export type AttemptInput = z.input<typeof attemptInputSchema>;

export type AttemptView = {
  id: string;
  status: AuthorizationAttempt["status"];
  authType: AuthType;
  bizAppid: string | null;
  permissionSetIds: number[];
  expiresAt: Date;
  createdAt: Date;
  completedAt: Date | null;
  authorizerAppid: string | null;
  result: unknown;
  links: { pc: string; h5: string; plugin: PluginAuthParams } | null;
};

export const callbackPath = "/api/wechat/authorize/callback";

const newId = () => randomBytes(16).toString("base64url");

export function redirectUriFor({ id, state }: { id: string; state: string }): string {
  const url = new URL(callbackPath, getEnv().publicBaseUrl);
  url.searchParams.set("attempt", id);
  url.searchParams.set("state", state);
  return url.toString();
}

function linksFor(attempt: AuthorizationAttempt): AttemptView["links"] {
  if (attempt.status !== "pending") return null;
  const env = getEnv();
  const common = {
    componentAppid: attempt.componentAppid,
    preAuthCode: attempt.preAuthCode,
    redirectUri: redirectUriFor(attempt),
    authType: attempt.authType as AuthType,
    bizAppid: attempt.bizAppid ?? undefined,
    permissionSetIds: attempt.permissionSetIds,
  };
  return {
    pc: buildPcAuthLink({ mpBase: env.wechat.mpBase, ...common }),
    h5: buildH5AuthLink({ openBase: env.wechat.openBase, ...common }),
    plugin: buildPluginParams(common),
  };
}

export function viewAttempt(attempt: AuthorizationAttempt, now = new Date()): AttemptView {
  // A pending attempt past its pre_auth_code's life is expired, whether or not anyone wrote that down.
  const status = attempt.status === "pending" && attempt.expiresAt <= now ? "expired" : attempt.status;
  const current = { ...attempt, status };
  return {
    id: attempt.id,
    status,
    authType: attempt.authType as AuthType,
    bizAppid: attempt.bizAppid,
    permissionSetIds: attempt.permissionSetIds,
    expiresAt: attempt.expiresAt,
    createdAt: attempt.createdAt,
    completedAt: attempt.completedAt,
    authorizerAppid: attempt.authorizerAppid,
    result: attempt.result,
    links: linksFor(current),
  };
}

async function newPreAuthCode(): Promise<{ preAuthCode: string; expiresAt: Date }> {
  const appid = getEnv().component.appid;
  const issued = await withComponentToken((componentAccessToken) =>
    wechatApi().createPreAuthCode({ componentAccessToken, componentAppid: appid }),
  );
  return { preAuthCode: issued.preAuthCode, expiresAt: lifetimeTimes({ expiresInSeconds: issued.expiresIn }).expiresAt };
}

export async function createAttempt(input: AttemptInput, { createdById }: { createdById?: string } = {}): Promise<AttemptView> {
  const parsed = attemptInputSchema.parse(input);
  const code = await newPreAuthCode();
  const attempt = await db().authorizationAttempt.create({
    data: {
      id: newId(),
      componentAppid: getEnv().component.appid,
      preAuthCode: code.preAuthCode,
      expiresAt: code.expiresAt,
      authType: parsed.authType,
      bizAppid: parsed.bizAppid ?? null,
      permissionSetIds: parsed.permissionSetIds,
      state: randomBytes(16).toString("base64url"),
      createdById: createdById ?? null,
    },
  });
  return viewAttempt(attempt);
}

export class AttemptNotRenewable extends Error {
  constructor(readonly status: string) {
    super(`an attempt that is ${status} cannot be renewed`);
    this.name = "AttemptNotRenewable";
  }
}

/** A new pre_auth_code for the same attempt (the page renews before the old one lapses). */
export async function renewAttempt(id: string): Promise<AttemptView | null> {
  const attempt = await db().authorizationAttempt.findUnique({ where: { id } });
  if (!attempt) return null;
  if (attempt.status !== "pending") throw new AttemptNotRenewable(attempt.status);
  const code = await newPreAuthCode();
  const { count } = await db().authorizationAttempt.updateMany({
    where: { id, status: "pending" },
    data: { preAuthCode: code.preAuthCode, expiresAt: code.expiresAt },
  });
  if (count === 0) throw new AttemptNotRenewable("completed");
  return viewAttempt(await db().authorizationAttempt.findUniqueOrThrow({ where: { id } }));
}

export async function getAttempt(id: string): Promise<AttemptView | null> {
  const attempt = await db().authorizationAttempt.findUnique({ where: { id } });
  return attempt ? viewAttempt(attempt) : null;
}

/** Records a failure the merchant saw (cancelled, refused code) so the pages can say what happened. */
export async function failAttempt({
  id,
  status,
  reason,
  errcode,
}: {
  id: string;
  status: "failed" | "cancelled";
  reason: string;
  errcode?: number;
}) {
  await db().authorizationAttempt.updateMany({
    where: { id, status: "pending" },
    data: { status, completedAt: new Date(), result: { reason, ...(errcode !== undefined ? { errcode } : {}) } },
  });
}
