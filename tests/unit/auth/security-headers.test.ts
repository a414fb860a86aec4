// The Content-Security-Policy every page gets (with proxy.ts's nonce) and HSTS on HTTPS.
import { describe, expect, it } from "vitest";
import { createNonce, pageContentSecurityPolicy, pageSecurityHeaders, STATIC_SECURITY_HEADERS } from "@/lib/security-headers";

const directives = (csp: string) =>
  new Map(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name!, values]),
  );

describe("page security headers", () => {
  const options = {
    nonce: "bm9uY2U=",
    publicBaseUrl: "https://portal.example.com",
    wechatBases: ["https://api.weixin.qq.com", "http://localhost:3201"],
  };

  it("locks the page down: no framing, no plugins, no foreign base, scripts only by nonce", () => {
    const csp = directives(pageContentSecurityPolicy(options));
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(csp.get("object-src")).toEqual(["'none'"]);
    expect(csp.get("base-uri")).toEqual(["'self'"]);
    expect(csp.get("form-action")).toEqual(["'self'"]);
    expect(csp.get("script-src")).toEqual(["'self'", "'nonce-bm9uY2U='", "'strict-dynamic'"]);
    expect(csp.get("script-src")).not.toContain("'unsafe-inline'");
    expect(csp.get("script-src")).not.toContain("'unsafe-eval'");
  });

  it("lets images come from data: URLs, WeChat's image hosts and the configured WeChat (the sandbox)", () => {
    const img = directives(pageContentSecurityPolicy(options)).get("img-src")!;
    expect(img).toEqual(expect.arrayContaining(["'self'", "data:", "https://*.qlogo.cn", "http://*.qpic.cn", "http://localhost:3201"]));
  });

  it("sends HSTS and upgrades requests only when the portal is on HTTPS", () => {
    expect(pageSecurityHeaders(options)["Strict-Transport-Security"]).toMatch(/^max-age=\d{8,}/);
    expect(directives(pageContentSecurityPolicy(options)).has("upgrade-insecure-requests")).toBe(true);
    const http = { ...options, publicBaseUrl: "http://localhost:3000" };
    expect(pageSecurityHeaders(http)).not.toHaveProperty("Strict-Transport-Security");
    expect(directives(pageContentSecurityPolicy(http)).has("upgrade-insecure-requests")).toBe(false);
  });

  it("allows eval only for the development server", () => {
    expect(directives(pageContentSecurityPolicy({ ...options, development: true })).get("script-src")).toContain("'unsafe-eval'");
  });

  it("has the headers every answer gets", () => {
    expect(Object.fromEntries(STATIC_SECURITY_HEADERS.map((h) => [h.key, h.value]))).toMatchObject({
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "strict-origin-when-cross-origin",
    });
  });

  it("makes a new nonce each time", () => {
    const nonces = new Set(Array.from({ length: 50 }, createNonce));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});
