// Runs before every page and the private API (Node.js runtime, no database):
// - /console needs a staff session cookie within its lifetime (else the sign-in page); /api answers
//   401 as JSON instead of redirecting. Whether the session is still open (not signed out, password,
//   role and access unchanged) is checked against the database by lib/auth/session.ts, which every
//   console page and action goes through.
// - every page gets a Content-Security-Policy with a fresh nonce (lib/security-headers.ts).
// - with no trusted proxy in front (TRUSTED_PROXY_HOPS=0) a client's own X-Forwarded-For is dropped,
//   so Next.js fills in the socket's address (lib/client-address.ts).
// Routes that WeChat or services call, and the token centre (API keys), authenticate themselves;
// those that read the client's address pass through here for the X-Forwarded-For rule alone.
import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";
import { readSessionClaims } from "@/lib/auth/session-claims";
import { getEnv } from "@/lib/env";
import { createNonce, pageSecurityHeaders } from "@/lib/security-headers";

/** API routes that authenticate themselves (next-auth, WeChat, API keys, health, metrics, the merchant pages' attempts). */
const SELF_AUTHENTICATING = /^\/api\/(auth|wechat|v1|health|metrics|authorize)(\/|$)/;

const needsSession = (pathname: string) =>
  pathname === "/console" || pathname.startsWith("/console/") || (pathname.startsWith("/api/") && !SELF_AUTHENTICATING.test(pathname));

export async function proxy(request: NextRequest) {
  const env = getEnv();
  const { pathname, search } = request.nextUrl;
  const requestHeaders = new Headers(request.headers);
  if (env.trustedProxyHops === 0) requestHeaders.delete("x-forwarded-for");

  if (needsSession(pathname)) {
    const token = await getToken({ req: request, secret: env.authSecret });
    if (!readSessionClaims(token)) {
      if (pathname.startsWith("/api/")) {
        return NextResponse.json({ error: "unauthorized", message: "Sign in first." }, { status: 401 });
      }
      const signIn = new URL("/signin", request.url);
      signIn.searchParams.set("callbackUrl", `${pathname}${search}`);
      return NextResponse.redirect(signIn);
    }
  }
  if (pathname.startsWith("/api/")) return NextResponse.next({ request: { headers: requestHeaders } });

  const nonce = createNonce();
  const headers = pageSecurityHeaders({
    nonce,
    publicBaseUrl: env.publicBaseUrl,
    wechatBases: [env.wechat.apiBase, env.wechat.mpBase, env.wechat.openBase],
    // Not configuration: Next.js fixes NODE_ENV for the dev server and the build.
    development: process.env.NODE_ENV === "development",
  });
  // Next.js reads the nonce from the request's CSP and puts it on the scripts it renders; the phone
  // page (a route handler) reads x-nonce.
  requestHeaders.set("content-security-policy", headers["Content-Security-Policy"]!);
  requestHeaders.set("x-nonce", nonce);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

// Left out: Next.js's static files, and the self-authenticating routes that never read the client's
// address, so WeChat's pushes skip this hop. Sign-in (next-auth), WeChat's redirect back to the portal
// and the token centre read it (throttling, audit), so they are in.
export const config = {
  matcher: [
    "/((?!_next/static|_next/image|favicon\\.ico|api/).*)",
    "/api/auth/:path*",
    "/api/wechat/authorize/callback",
    "/api/v1/:path*",
    "/api/((?!auth/|auth$|wechat/|v1/|health$|metrics$|authorize/).*)",
  ],
};
