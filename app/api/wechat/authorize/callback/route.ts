// GET /api/wechat/authorize/callback — the redirect_uri: WeChat sends the merchant's browser here
// with auth_code after they confirm; we complete the authorization and show the result page, or,
// when the attempt has ended and was made with a return_url, send the merchant back to the
// provider's page with the outcome in its query (lib/merchant/return-url.ts).
import { handleAuthorizationCallback } from "@/lib/authorization/callback";
import { getClientAddress } from "@/lib/client-address";
import { db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { guardDatabase } from "@/lib/http";
import { returnToFor } from "@/lib/merchant/return-url";

export const dynamic = "force-dynamic";

/** The provider's page for an attempt that has ended, if it named one. */
async function returnTo(attemptId: string | null): Promise<string | null> {
  if (!attemptId) return null;
  const attempt = await db().authorizationAttempt.findUnique({ where: { id: attemptId } });
  return attempt ? returnToFor(attempt) : null;
}

export const GET = guardDatabase(
  async (request: Request) => {
    const outcome = await handleAuthorizationCallback({
      params: new URL(request.url).searchParams,
      clientAddress: getClientAddress(request.headers),
    });
    // Not for a pending attempt (a code WeChat never issued, throttled, WeChat unreachable): the
    // result page explains and the merchant may try again.
    const back = await returnTo(outcome.attemptId);
    if (back) return Response.redirect(back, 303);
    const target = new URL("/authorize/result", getEnv().publicBaseUrl);
    if (outcome.attemptId) target.searchParams.set("attempt", outcome.attemptId);
    if (!outcome.ok) {
      target.searchParams.set("error", outcome.error);
      if (outcome.errcode !== undefined) target.searchParams.set("errcode", String(outcome.errcode));
      if (outcome.retryAfterSeconds !== undefined) target.searchParams.set("retry_after", String(outcome.retryAfterSeconds));
    }
    return Response.redirect(target, 303);
  },
  { json: false },
);
