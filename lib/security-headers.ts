// The browser-facing security headers. Every response gets the static ones (next.config.ts); every
// page also gets a Content-Security-Policy with a fresh nonce from proxy.ts, which Next.js puts on
// its own scripts (and the phone page on its inline ones), plus HSTS when the portal is on HTTPS.
// WeChat's pushes and the API answer JSON or XML: the static headers are harmless there.

/** On every response, pages and API alike. */
export const STATIC_SECURITY_HEADERS: readonly { key: string; value: string }[] = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  // The origin only, so WeChat's authorization page can check the 授权发起页域名 and nothing more leaks.
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  // frame-ancestors in the CSP says the same to browsers that know it.
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
];

/** For API answers (JSON, XML): nothing in them may load or run anything. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** Where WeChat serves head_img and qrcode_url (http or https, depending on the account). */
const WECHAT_IMAGE_HOSTS = ["*.qlogo.cn", "*.qpic.cn"].flatMap((host) => [`https://${host}`, `http://${host}`]);

export type PageSecurityOptions = {
  nonce: string;
  publicBaseUrl: string;
  /** WECHAT_*_BASE: the sandbox serves the images itself. */
  wechatBases: readonly string[];
  development?: boolean;
};

export function pageContentSecurityPolicy({ nonce, publicBaseUrl, wechatBases, development = false }: PageSecurityOptions): string {
  const https = publicBaseUrl.startsWith("https:");
  const imageOrigins = [...new Set(wechatBases.map((base) => new URL(base).origin))];
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic': what a nonced script loads may run (Next.js's chunks); 'self' for browsers without it.
    // React's development build needs eval for its error overlays.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    // React writes style="" attributes, and the phone page has one <style>: no nonce can cover the former.
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${[...WECHAT_IMAGE_HOSTS, ...imageOrigins].join(" ")}`,
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/** The headers a page answers with, beyond the static ones. */
export function pageSecurityHeaders(options: PageSecurityOptions): Record<string, string> {
  return {
    "Content-Security-Policy": pageContentSecurityPolicy(options),
    ...(options.publicBaseUrl.startsWith("https:") ? { "Strict-Transport-Security": "max-age=31536000; includeSubDomains" } : {}),
  };
}

/** A fresh nonce per page (128 random bits). */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
