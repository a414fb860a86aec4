// proxy.ts: the cookie check in front of /console and the private API (a token past the absolute
// lifetime is refused even though next-auth keeps renewing the cookie), the CSP nonce every page
// gets, and the client's own X-Forwarded-For dropped when no proxy of ours is in front.
import { encode, type JWT } from "next-auth/jwt";
import { unstable_doesMiddlewareMatch } from "next/experimental/testing/server";
import { NextRequest } from "next/server";
import { afterEach, describe, expect, it } from "vitest";
import { STAFF_SESSION_LIFETIME_SECONDS } from "@/lib/auth/session-claims";
import { getEnv } from "@/lib/env";
import { config, proxy } from "@/proxy";

const origin = "http://localhost:3000";
const cache = globalThis as unknown as { __portalEnv?: unknown };

/** A session cookie as next-auth writes it, freshly renewed (its own iat/exp are now). */
async function cookieFor(claims: JWT): Promise<string> {
  const token = await encode({ token: claims, secret: getEnv().authSecret, maxAge: STAFF_SESSION_LIFETIME_SECONDS });
  return `next-auth.session-token=${token}`;
}

const request = (path: string, headers: Record<string, string> = {}) => new NextRequest(new URL(path, origin), { headers });
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const claims = (signedInAt: Date): JWT => ({
  sub: "5b0f1a4e-0000-4000-8000-000000000001",
  sid: "5b0f1a4e-0000-4000-8000-0000000000aa",
  role: "admin",
  signedInAt: seconds(signedInAt),
});
/** The request headers the proxy passes on to the page (Next.js's override headers). */
const passedOn = (response: Response) => (response.headers.get("x-middleware-override-headers") ?? "").split(",").filter(Boolean);

describe("proxy", () => {
  afterEach(() => {
    delete process.env.TRUSTED_PROXY_HOPS;
    cache.__portalEnv = undefined;
  });

  it("sends a visitor without a session to the sign-in page, keeping where they were going", async () => {
    const response = await proxy(request("/console/authorizers?status=revoked"));
    expect(response.status).toBe(307);
    const location = new URL(response.headers.get("location")!);
    expect(location.pathname).toBe("/signin");
    expect(location.searchParams.get("callbackUrl")).toBe("/console/authorizers?status=revoked");
  });

  it("answers the private API with 401 JSON, never a redirect", async () => {
    const response = await proxy(request("/api/console/anything"));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: "unauthorized" });
  });

  it("lets a session within its lifetime through", async () => {
    const cookie = await cookieFor(claims(new Date(Date.now() - 60_000)));
    const response = await proxy(request("/console", { cookie }));
    expect(response.headers.get("x-middleware-next")).toBe("1");
  });

  it("refuses a cookie signed in longer ago than the absolute lifetime, though it was renewed a moment ago", async () => {
    const signedInAt = new Date(Date.now() - (STAFF_SESSION_LIFETIME_SECONDS + 60) * 1000);
    const cookie = await cookieFor(claims(signedInAt));
    const response = await proxy(request("/console", { cookie }));
    expect(response.status).toBe(307);
    expect(new URL(response.headers.get("location")!).pathname).toBe("/signin");
    expect((await proxy(request("/api/console/anything", { cookie }))).status).toBe(401);
  });

  it("refuses a cookie from before sessions had ids (no sid, no sign-in time)", async () => {
    const cookie = await cookieFor({ sub: "5b0f1a4e-0000-4000-8000-000000000001", role: "admin" });
    expect((await proxy(request("/console", { cookie }))).status).toBe(307);
  });

  it("gives every page a CSP with a fresh nonce, and passes the nonce on to the renderer", async () => {
    const first = await proxy(request("/signin"));
    const second = await proxy(request("/m/authorize"));
    const csp = first.headers.get("content-security-policy")!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(first.headers.get("x-middleware-request-x-nonce")).toBe(nonce);
    expect(first.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
    expect(second.headers.get("content-security-policy")).not.toContain(nonce);
    // http://localhost: no HSTS.
    expect(first.headers.has("strict-transport-security")).toBe(false);
  });

  it("drops a client's own X-Forwarded-For when no proxy of ours is in front, so Next.js writes the socket's", async () => {
    const response = await proxy(request("/api/auth/callback/credentials", { "x-forwarded-for": "6.6.6.6" }));
    expect(response.headers.get("x-middleware-next")).toBe("1");
    expect(passedOn(response)).not.toContain("x-forwarded-for");
  });

  it("runs for every page and every route that reads the client's address, not for WeChat's pushes or static files", () => {
    const runs = (path: string) => unstable_doesMiddlewareMatch({ config, url: `${origin}${path}` });
    for (const path of ["/", "/signin", "/console", "/console/users", "/authorize", "/m/authorize", "/api/auth/callback/credentials"]) {
      expect(runs(path), path).toBe(true);
    }
    // WeChat's redirect back (callback throttling) and the token centre (audit) read the address.
    for (const path of ["/api/wechat/authorize/callback", "/api/v1/component/token", "/api/console/anything"])
      expect(runs(path), path).toBe(true);
    for (const path of [
      "/api/wechat/component/events",
      "/api/wechat/messages/wx0000000000000001",
      "/api/health",
      "/api/metrics",
      "/_next/static/chunks/a.js",
    ]) {
      expect(runs(path), path).toBe(false);
    }
  });

  it("lets the self-authenticating routes through without a session, dropping a client's X-Forwarded-For", async () => {
    for (const path of ["/api/wechat/authorize/callback?auth_code=x", "/api/v1/component/token", "/api/auth/session"]) {
      const response = await proxy(request(path, { "x-forwarded-for": "6.6.6.6" }));
      expect(response.headers.get("x-middleware-next"), path).toBe("1");
      expect(passedOn(response), path).not.toContain("x-forwarded-for");
      expect(response.headers.has("content-security-policy"), path).toBe(false);
    }
  });

  it("keeps X-Forwarded-For for TRUSTED_PROXY_HOPS to read when proxies are trusted", async () => {
    process.env.TRUSTED_PROXY_HOPS = "1";
    cache.__portalEnv = undefined;
    const response = await proxy(request("/api/auth/callback/credentials", { "x-forwarded-for": "6.6.6.6, 203.0.113.7" }));
    expect(passedOn(response)).toContain("x-forwarded-for");
    expect(response.headers.get("x-middleware-request-x-forwarded-for")).toBe("6.6.6.6, 203.0.113.7");
  });
});
