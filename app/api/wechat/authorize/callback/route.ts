// GET /api/wechat/authorize/callback — the redirect_uri: WeChat sends the merchant's browser here
// with auth_code after they confirm; we complete the authorization and show the result page.
import { handleAuthorizationCallback } from "@/lib/authorization/callback";
import { getClientAddress } from "@/lib/client-address";
import { getEnv } from "@/lib/env";
import { guardDatabase } from "@/lib/http";

export const dynamic = "force-dynamic";

export const GET = guardDatabase(
  async (request: Request) => {
    const outcome = await handleAuthorizationCallback({
      params: new URL(request.url).searchParams,
      clientAddress: getClientAddress(request.headers),
    });
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
