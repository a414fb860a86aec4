// GET /m/authorize — the phone page: what the PC page's QR code encodes, and the link merchants open
// in WeChat (same query as /authorize). Plain HTML without a framework in the browser, so inside
// WeChat it moves on to WeChat's H5 authorization page at once (lib/merchant/phone.ts decides).
import { getLocale, getTranslations } from "next-intl/server";
import { LOCALE_COOKIE } from "@/i18n/locales";
import { getEnv } from "@/lib/env";
import { getClientAddress } from "@/lib/client-address";
import { decidePhonePage } from "@/lib/merchant/phone";
import { PHONE_RETURN_DELAY_SECONDS, renderPhonePage } from "@/lib/merchant/phone-page";
import { toSearchParams } from "@/lib/merchant/query";
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
