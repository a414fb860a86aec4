// GET /m/authorize — the phone page: what the PC page's QR code encodes, and the link merchants open
// in WeChat (same query as /authorize). Plain HTML without a framework in the browser, so inside
// WeChat it moves on to WeChat's H5 authorization page at once (lib/merchant/phone.ts decides).
import { getLocale, getTranslations } from "next-intl/server";
import { LOCALE_COOKIE } from "@/i18n/locales";
import { getEnv } from "@/lib/env";
import { getClientAddress } from "@/lib/client-address";
import { decidePhonePage } from "@/lib/merchant/phone";
import { PHONE_RETURN_DELAY_SECONDS, renderPhonePage } from "@/lib/merchant/phone-page";
import { attemptIdSchema, toSearchParams } from "@/lib/merchant/query";
import { CANCELLED_ON_PHONE, cancelMerchantAttempt } from "@/lib/merchant/attempts";
import { buildResumePath, PHONE_PAGE_PATH } from "@/lib/merchant/urls";
import { guardDatabase } from "@/lib/http";

export const dynamic = "force-dynamic";

export const GET = guardDatabase(
  async (request: Request) => {
    const page = await decidePhonePage({
      query: toSearchParams(new URL(request.url).searchParams),
      userAgent: request.headers.get("user-agent"),
      clientAddress: getClientAddress(request.headers),
    });
    if (page.kind === "redirect") return Response.redirect(new URL(page.location, getEnv().publicBaseUrl), 303);
    const [t, app, back, locale] = await Promise.all([
      getTranslations("merchant"),
      getTranslations("app"),
      getTranslations("merchantReturn"),
      getLocale(),
    ]);
    const body = renderPhonePage(page, {
      t: (key, values) => t(key, values),
      locale: locale === "en" ? "en" : "zh-CN",
      appName: app("name"),
      languageLabel: app("language"),
      localeCookie: LOCALE_COOKIE,
      backToMerchant: { link: back("link"), redirecting: back("redirecting", { seconds: PHONE_RETURN_DELAY_SECONDS }) },
      // The page's inline scripts run under the nonce of the CSP proxy.ts sent with this answer.
      nonce: request.headers.get("x-nonce") ?? undefined,
    });
    return new Response(body, {
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-robots-tag": "noindex" },
    });
  },
  { json: false },
);

export const POST = guardDatabase(
  async (request: Request) => {
    // The form is the portal's own: a browser posting it from another site says so in Origin.
    const origin = request.headers.get("origin");
    if (origin && origin !== new URL(getEnv().publicBaseUrl).origin) return new Response("Forbidden", { status: 403 });
    const id = new URL(request.url).searchParams.get("attempt") ?? "";
    if (!attemptIdSchema.safeParse(id).success) return Response.redirect(new URL(PHONE_PAGE_PATH, getEnv().publicBaseUrl), 303);
    // Not pending any more (authorized meanwhile, or already ended): the page shows how it ended.
    await cancelMerchantAttempt(id, CANCELLED_ON_PHONE);
    return Response.redirect(new URL(buildResumePath({ path: PHONE_PAGE_PATH, attemptId: id }), getEnv().publicBaseUrl), 303);
  },
  { json: false },
);
