// The refresh-authorizer worker: refreshes one authorizer's access token when it is due.
// refreshAuthorizerToken re-checks under a row lock, so a late or duplicate job costs no WeChat call.
import type PgBoss from "pg-boss";
import { z } from "zod";
import { logger } from "../logger";
import { refreshAuthorizerToken } from "../credentials/authorizer-token";
import { CredentialError } from "../credentials/errors";
import { errorClassOf, WeChatApiError } from "../wechat/errors";

const jobDataSchema = z.object({ appid: z.string().min(1).max(64) });

export type RefreshJobOutput =
  | { outcome: "token"; appid: string; version: number; expiresAt: string }
  | { outcome: "final"; appid: string; code: CredentialError["code"] }
  | { outcome: "not-retried"; appid: string; errcode: number | null; errorClass: string }
  | { outcome: "invalid-job" };

/**
 * Worth another try in a few seconds: transport failures, WeChat's "busy" (-1), a token rejected
 * twice, and anything not from WeChat at all (a database hiccup). Configuration, quota and client
 * errors are not: the next tick queues the authorizer again while it stays due.
 */
function isRetryable(error: unknown): boolean {
  const errorClass = errorClassOf(error);
  return errorClass === undefined || errorClass === "retry" || errorClass === "refresh";
}

/** Returns the job's output (pg-boss completes the job); throws to have pg-boss retry with backoff. */
export async function handleRefreshAuthorizer(job: PgBoss.Job<unknown>): Promise<RefreshJobOutput> {
  const parsed = jobDataSchema.safeParse(job.data);
  if (!parsed.success) {
    logger.error({ jobId: job.id }, "refresh-authorizer job without a valid appid; dropped");
    return { outcome: "invalid-job" };
  }
  const { appid } = parsed.data;
  try {
    const token = await refreshAuthorizerToken(appid);
    return { outcome: "token", appid, version: token.version, expiresAt: token.expiresAt.toISOString() };
  } catch (error) {
    // Revoked, needs re-authorization, unknown: a human has to act, retrying cannot help.
    if (error instanceof CredentialError) {
      logger.warn({ appid, code: error.code }, "authorizer token not refreshed; not retried");
      return { outcome: "final", appid, code: error.code };
    }
    if (isRetryable(error)) throw error;
    const errcode = error instanceof WeChatApiError ? error.errcode : null;
    logger.error({ appid, errcode, err: error }, "authorizer token refresh failed; not retried");
    return { outcome: "not-retried", appid, errcode, errorClass: errorClassOf(error) ?? "unknown" };
  }
}
