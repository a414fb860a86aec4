// API key scopes: the text form the CLI takes and every listing shows, and what each scope allows.
import { describe, expect, it } from "vitest";
import { describeScope, FULL_SCOPE, missingScope, parseScopeWords, summarizeScope, type ApiKeyScope } from "@/lib/token-centre/scopes";

const A = "wx1111111111111111";
const B = "wx2222222222222222";

describe("parseScopeWords", () => {
  it("reads component, authorizers, authorizer:<appid>, hub, read-only and all", () => {
    expect(parseScopeWords(["all"])).toEqual({ ok: true, scope: FULL_SCOPE });
    expect(parseScopeWords(["component", "authorizers", "hub"])).toEqual({ ok: true, scope: FULL_SCOPE });
    expect(parseScopeWords(["component", "authorizers"])).toEqual({ ok: true, scope: { ...FULL_SCOPE, hub: false } });
    expect(parseScopeWords(["hub", "read-only"])).toEqual({
      ok: true,
      scope: { component: false, authorizers: [], readOnly: true, hub: true },
    });
    expect(parseScopeWords([`authorizer:${B}`, `authorizer:${A}`, `authorizer:${B}`, "read-only", ""])).toEqual({
      ok: true,
      scope: { component: false, authorizers: [A, B], readOnly: true, hub: false },
    });
    expect(parseScopeWords(["component"])).toEqual({ ok: true, scope: { component: true, authorizers: [], readOnly: false, hub: false } });
  });

  it("refuses unknown words, bad appids, a key allowed nothing, and all authorizers plus a list", () => {
    expect(parseScopeWords(["everything"])).toEqual({ ok: false, message: 'unknown scope "everything"' });
    expect(parseScopeWords(["authorizer:not an appid"])).toMatchObject({ ok: false, message: expect.stringMatching(/appid/) });
    expect(parseScopeWords(["read-only"])).toMatchObject({ ok: false, message: expect.stringMatching(/allowed nothing/) });
    expect(parseScopeWords([])).toMatchObject({ ok: false });
    expect(parseScopeWords(["authorizers", `authorizer:${A}`])).toMatchObject({ ok: false, message: expect.stringMatching(/not both/) });
  });

  it("round-trips with describeScope", () => {
    const scope: ApiKeyScope = { component: true, authorizers: [A, B], readOnly: true, hub: true };
    expect(describeScope(scope)).toEqual(["component", `authorizer:${A}`, `authorizer:${B}`, "hub", "read-only"]);
    expect(parseScopeWords(describeScope(scope))).toEqual({ ok: true, scope });
    expect(describeScope(FULL_SCOPE)).toEqual(["component", "authorizers", "hub"]);
  });

  it("shortens a long list when summarized", () => {
    const many: ApiKeyScope = {
      component: false,
      authorizers: Array.from({ length: 12 }, (_, i) => `wx${String(i).padStart(16, "0")}`),
      readOnly: false,
      hub: false,
    };
    expect(summarizeScope(many, { max: 3 })).toBe(
      "authorizer:wx0000000000000000, authorizer:wx0000000000000001, authorizer:wx0000000000000002, and 9 more",
    );
  });
});

describe("missingScope", () => {
  it("lets a full key do everything", () => {
    expect(missingScope(FULL_SCOPE, { target: "component" })).toBeNull();
    expect(missingScope(FULL_SCOPE, { target: "authorizer", appid: A, write: true })).toBeNull();
  });

  it("names what a narrower key lacks", () => {
    const listed: ApiKeyScope = { component: false, authorizers: [A], readOnly: true, hub: false };
    expect(missingScope(listed, { target: "component" })).toBe("component");
    expect(missingScope(listed, { target: "authorizer", appid: A, write: false })).toBeNull();
    expect(missingScope(listed, { target: "authorizer", appid: B, write: false })).toBe(`authorizer:${B}`);
    expect(missingScope(listed, { target: "authorizer", appid: A, write: true })).toMatch(/read-only/);
    const componentOnly: ApiKeyScope = { component: true, authorizers: [], readOnly: false, hub: false };
    expect(missingScope(componentOnly, { target: "authorizer", appid: A, write: false })).toBe(`authorizer:${A}`);
  });

  it("asks for the hub, the authorizer read, every authorizer for endpoints, and a writable key for hub writes", () => {
    expect(missingScope({ ...FULL_SCOPE, hub: false }, { target: "hub", write: false })).toBe("hub");
    expect(missingScope(FULL_SCOPE, { target: "hub", write: true, everyAuthorizer: true })).toBeNull();
    const hubListed: ApiKeyScope = { component: false, authorizers: [A], readOnly: false, hub: true };
    expect(missingScope(hubListed, { target: "hub", write: false, appid: A })).toBeNull();
    expect(missingScope(hubListed, { target: "hub", write: false, appid: B })).toBe(`authorizer:${B}`);
    expect(missingScope(hubListed, { target: "hub", write: true, everyAuthorizer: true })).toMatch(/authorizers/);
    expect(missingScope(hubListed, { target: "hub", write: true })).toBeNull();
    expect(missingScope({ ...hubListed, readOnly: true }, { target: "hub", write: true })).toMatch(/read-only/);
  });
});
