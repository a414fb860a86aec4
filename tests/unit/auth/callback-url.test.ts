// Where sign-in sends staff afterwards: only somewhere on the portal, however the value is dressed up.
import { describe, expect, it } from "vitest";
import { resolveCallbackPath, resolveCallbackUrl } from "@/lib/auth/callback-url";

const baseUrl = "https://portal.example.com";

describe("callbackUrl", () => {
  it.each([
    ["/\\evil.example/x", "backslash: browsers read /\\ as //"],
    ["/\t/evil.example/x", "a tab between the slashes (/%09/): the URL parser drops it"],
    ["/\n/evil.example", "a newline between the slashes"],
    ["//evil.example", "protocol-relative"],
    ["///evil.example", "three slashes"],
    ["\\\\evil.example", "two backslashes"],
    ["https://evil.example", "another origin"],
    ["https://evil.example/console", "another origin with a console path"],
    ["http://portal.example.com/console", "the portal's host on another scheme"],
    ["https://portal.example.com:8443/console", "the portal's host on another port"],
    ["https://portal.example.com.evil.example/", "a host that starts like the portal's"],
    ["https://portal.example.com@evil.example/", "userinfo"],
    ["javascript:alert(document.cookie)", "javascript:"],
    ["  javascript:alert(1)", "javascript: after spaces"],
    ["JaVaScRiPt:alert(1)", "javascript: in mixed case"],
    ["data:text/html,<script>alert(1)</script>", "data:"],
    ["/.//evil.example", "a dot segment that leaves //host"],
    ["", "empty"],
  ])("refuses %j (%s): /console", (value) => {
    expect(resolveCallbackPath(value, { baseUrl })).toBe("/console");
  });

  it("decodes like the query string does: /%5Cevil.example/x and /%09/evil.example arrive as \\ and a tab", () => {
    for (const raw of ["/%5Cevil.example/x", "/%09/evil.example"]) {
      const value = new URLSearchParams(`callbackUrl=${raw}`).get("callbackUrl");
      expect(resolveCallbackPath(value, { baseUrl })).toBe("/console");
    }
  });

  it("refuses what is not a string (a repeated parameter)", () => {
    expect(resolveCallbackPath(["/console/users", "//evil.example"], { baseUrl })).toBe("/console");
    expect(resolveCallbackPath(undefined, { baseUrl })).toBe("/console");
  });

  it.each([
    ["/console/authorizers?status=revoked#top", "/console/authorizers?status=revoked#top"],
    ["/console/authorizers/wx0000000000000001", "/console/authorizers/wx0000000000000001"],
    ["https://portal.example.com/console/users", "/console/users"],
    ["console/links", "/console/links"],
    ["/console/../console/health", "/console/health"],
  ])("keeps a path on the portal: %j → %j", (value, path) => {
    expect(resolveCallbackPath(value, { baseUrl })).toBe(path);
  });

  it("gives next-auth an absolute URL on the portal", () => {
    expect(resolveCallbackUrl("/console/users", { baseUrl })).toBe("https://portal.example.com/console/users");
    expect(resolveCallbackUrl("https://evil.example/x", { baseUrl })).toBe("https://portal.example.com/console");
    expect(resolveCallbackUrl("/\\evil.example/x", { baseUrl: "http://localhost:3000" })).toBe("http://localhost:3000/console");
  });
});
