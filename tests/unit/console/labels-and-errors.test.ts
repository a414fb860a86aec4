// Pure pieces of the console: how accounts and tokens are labelled, how errcodes are bucketed, how
// any error becomes what the page shows, which role each action needs, and lenient query parsing.
import { describe, expect, it } from "vitest";
import { ForbiddenError } from "@/lib/auth/session";
import { CredentialError } from "@/lib/credentials/errors";
import { accountKindOf, tokenHealthOf, verificationOf } from "@/lib/console/authorizer-labels";
import { encodeCursor, parseListQuery } from "@/lib/console/authorizer-list";
import { ConsoleError, toActionError } from "@/lib/console/errors";
import { errcodeIn, errorBucketOf } from "@/lib/console/health-view";
import { CONSOLE_ACTIONS, mayRun, type ConsoleAction } from "@/lib/console/permissions";
import { WeChatApiError, WeChatTransportError } from "@/lib/wechat/errors";

describe("account labels", () => {
  it("names official accounts by service type, other kinds by account type", () => {
    expect(accountKindOf({ accountType: "official_account", serviceType: 0 })).toBe("subscription");
    expect(accountKindOf({ accountType: "official_account", serviceType: 1 })).toBe("subscription");
    expect(accountKindOf({ accountType: "official_account", serviceType: 2 })).toBe("service");
    expect(accountKindOf({ accountType: "official_account", serviceType: null })).toBe("subscription");
    expect(accountKindOf({ accountType: "mini_program", serviceType: 0 })).toBe("mini_program");
    expect(accountKindOf({ accountType: "channels", serviceType: 0 })).toBe("channels");
  });

  it("reads verify_type_info", () => {
    expect([-1, 0, 1, 3, 4, 5, null].map(verificationOf)).toEqual([
      "unverified",
      "wechat",
      "other",
      "qualified",
      "qualified",
      "qualified",
      "unknown",
    ]);
  });

  it("tells token health from times and errors", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    const base = {
      accessTokenExpiresAt: at(3600),
      lastRefreshedAt: at(-3600),
      lastErrorCode: null,
      lastError: null,
      lastErrorAt: null,
      disabledAt: null,
    };
    expect(tokenHealthOf(null, now).state).toBe("missing");
    expect(tokenHealthOf(base, now)).toMatchObject({ state: "ok", expiresInSeconds: 3600 });
    expect(tokenHealthOf({ ...base, accessTokenExpiresAt: at(300) }, now).state).toBe("expiring");
    expect(tokenHealthOf({ ...base, accessTokenExpiresAt: at(-5) }, now).state).toBe("expired");
    expect(tokenHealthOf({ ...base, accessTokenExpiresAt: null }, now).state).toBe("missing");
    expect(tokenHealthOf({ ...base, disabledAt: at(-10) }, now).state).toBe("disabled");
    // An error after the last good refresh: failing. One before it was dealt with.
    expect(tokenHealthOf({ ...base, lastErrorCode: 45009, lastError: "quota", lastErrorAt: at(-10) }, now).state).toBe("failing");
    expect(tokenHealthOf({ ...base, lastErrorCode: 45009, lastError: "quota", lastErrorAt: at(-7200) }, now).state).toBe("ok");
  });
});

describe("errcode buckets for the health page", () => {
  it("finds an errcode in stored messages", () => {
    expect(errcodeIn("WeChat /cgi-bin/component/api_query_auth failed with errcode 61009: invalid code")).toBe(61009);
    expect(errcodeIn("WeChat answered 61023 and holds no other refresh token")).toBe(61023);
    expect(errcodeIn("errcode -1: system busy")).toBe(-1);
    expect(errcodeIn("network error: TypeError (ECONNREFUSED)")).toBeNull();
    expect(errcodeIn(null)).toBeNull();
  });

  it("classifies like lib/wechat/errors, with 'other' for no errcode", () => {
    expect(errorBucketOf({ code: 45009, message: null })).toBe("quota");
    expect(errorBucketOf({ code: null, message: "WeChat answered 61003: revoked" })).toBe("re-authorize");
    expect(errorBucketOf({ code: 40001, message: null })).toBe("refresh");
    expect(errorBucketOf({ code: null, message: "timeout" })).toBe("other");
  });
});

describe("action errors, mapped in one place", () => {
  it("keeps what the page needs and nothing internal", () => {
    expect(toActionError(new ForbiddenError("admin"))).toEqual({ code: "forbidden", needed: "admin" });
    expect(toActionError(new ConsoleError("last_admin", "x"))).toEqual({ code: "last_admin" });
    expect(toActionError(new CredentialError("needs_reauthorization", "x"))).toEqual({ code: "needs_reauthorization" });
    expect(toActionError(new WeChatApiError({ errcode: 61007, errmsg: "api unauthorized rid: 1-2-3", endpoint: "/x" }))).toEqual({
      code: "wechat_error",
      errcode: 61007,
      errorClass: "re-authorize",
    });
    expect(toActionError(new WeChatTransportError({ kind: "timeout", endpoint: "/x", message: "slow" }))).toEqual({
      code: "wechat_unavailable",
      errorClass: "retry",
    });
    const internal = toActionError(new Error("SELECT * FROM secrets failed at postgres://user:pw@host"));
    expect(internal.code).toBe("internal_error");
    expect(internal.reference).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.stringify(internal)).not.toContain("postgres");
  });
});

describe("console roles", () => {
  const actions = Object.keys(CONSOLE_ACTIONS) as ConsoleAction[];

  it("lets a viewer run only reads, and change their own password", () => {
    expect(actions.filter((a) => mayRun("viewer", a))).toEqual(["authorizer.read_options", "staff.change_own_password"]);
  });

  it("keeps API keys, staff and webhook endpoints (they hold signing secrets) for admins", () => {
    expect(actions.filter((a) => !mayRun("operator", a)).sort()).toEqual([
      "api_key.create",
      "api_key.revoke",
      "staff.manage",
      "webhook.manage",
    ]);
    expect(actions.every((a) => mayRun("admin", a))).toBe(true);
  });
});

describe("list query parsing", () => {
  it("reads the query string leniently", () => {
    const empty = parseListQuery({});
    expect([empty.sort, empty.size, empty.q, empty.after]).toEqual(["authorized_desc", 50, undefined, undefined]);
    expect(parseListQuery({ q: "  青禾 ", status: "revoked", kind: "service", set: "17", sort: "name_asc", size: "20" })).toMatchObject({
      q: "青禾",
      status: "revoked",
      kind: "service",
      set: 17,
      sort: "name_asc",
      size: 20,
    });
    const odd = parseListQuery({ q: ["a", "b"], status: "nope", set: "-1", size: "1000", sort: "x" });
    expect([odd.q, odd.status, odd.set, odd.size, odd.sort]).toEqual(["a", undefined, undefined, 50, "authorized_desc"]);
  });

  it("round-trips cursors and drops forged ones", () => {
    const cursor = { v: "2026-01-01T00:00:00.000Z", id: "wx0000000000000001" };
    expect(parseListQuery({ after: encodeCursor(cursor) }).after).toEqual(cursor);
    expect(parseListQuery({ before: encodeCursor({ v: null, id: "wx1" }) }).before).toEqual({ v: null, id: "wx1" });
    expect(parseListQuery({ after: Buffer.from('{"v":1}').toString("base64url") }).after).toBeUndefined();
    expect(parseListQuery({ after: "%%%" }).after).toBeUndefined();
  });
});
