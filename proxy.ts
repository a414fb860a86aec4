// Runs before every matched request: /console needs a staff session (else the sign-in page);
// /api answers 401 as JSON instead of redirecting. Routes that WeChat or services call, and the
// token centre (API keys), authenticate themselves.
import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";
import { getEnv } from "@/lib/env";


export async function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const token = await getToken({ req: request, secret: getEnv().authSecret });
  if (token) return NextResponse.next();
  if (pathname.startsWith("/api/")) {
    return NextResponse.json({ error: "unauthorized", message: "Sign in first." }, { status: 401 });
  }
  const signIn = new URL("/signin", request.url);
  signIn.searchParams.set("callbackUrl", `${pathname}${search}`);
  return NextResponse.redirect(signIn);
}

// Routes that WeChat, the merchant pages, other services (API keys) or next-auth call are left out
// of the matcher entirely: they authenticate themselves, and WeChat's pushes skip this hop.
export const config = { matcher: ["/console/:path*", "/api/((?!auth/|auth$|wechat/|v1/|health$|authorize/).*)"] };
