// Staff sessions end on the server: a cookie minted before sign-out, a password change (own or reset
// by an admin), a role change or disabling the account is refused afterwards, and one older than the
// absolute lifetime is refused even if it was used (and renewed) a moment ago. Sign-in goes through
// next-auth's own handler; the session is read the way every console page and action reads it
// (currentStaff). Also: where sign-in sends staff afterwards, and audit entries that must not break
// sign-in.
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const jar = vi.hoisted(() => ({ cookies: {} as Record<string, string> }));
// getServerSession() in a server component reads the request through next/headers, which only a
// running Next.js has. Here it is handed the test's cookies; the rest (decoding the JWT, next-auth's
// callbacks) is next-auth's own code.
vi.mock("next-auth", async (importOriginal) => {
  const real = await importOriginal<typeof import("next-auth")>();
  const response = { getHeader() {}, setCookie() {}, setHeader() {} };
  return {
    ...real,
    getServerSession: (options: Parameters<typeof real.getServerSession>[0]) =>
      real.getServerSession({ headers: {}, cookies: { ...jar.cookies } } as never, response as never, options as never),
  };
});
vi.mock("next/navigation", () => ({
  redirect: (url: string) => {
    throw Object.assign(new Error(`redirect ${url}`), { redirectTo: url });
  },
}));

import NextAuth from "next-auth";
import { getAuthOptions } from "@/lib/auth/options";
import { STAFF_SESSION_LIFETIME_SECONDS } from "@/lib/auth/session-claims";
import { currentStaff } from "@/lib/auth/session";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { changeStaffPassword, createStaffUser } from "@/lib/auth/staff";
import { openStaffSession } from "@/lib/auth/staff-sessions";
import { changeStaffRole, setStaffDisabled, setStaffPassword } from "@/lib/console/staff-users";
import { getEnv } from "@/lib/env";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

const PASSWORD = "correct horse battery staple";
const SESSION_COOKIE = "next-auth.session-token";
const CSRF_COOKIE = "next-auth.csrf-token";

type Answer = { status: number; redirect?: string; body?: unknown; cookies: { name: string; value: string }[] };

/** One request to next-auth's handler, as /api/auth/[...nextauth] gets it (next-auth's Node.js form). */
async function nextAuth(
  action: string,
  {
    method = "GET",
    providerId,
    body,
    cookies = {},
  }: { method?: string; providerId?: string; body?: Record<string, string>; cookies?: Record<string, string> } = {},
): Promise<Answer> {
  const headers = new Map<string, string | string[]>();
  const answer: Answer = { status: 200, cookies: [] };
  const res = {
    status(code: number) {
      answer.status = code;
      return res;
    },
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    setHeader(name: string, value: string | string[]) {
      headers.set(name.toLowerCase(), value);
      if (name.toLowerCase() === "location") answer.redirect = String(value);
      return res;
    },
    json(value: { url?: string }) {
      answer.body = value;
      answer.redirect = value.url;
    },
    send(value: unknown) {
      answer.body = value;
    },
    end() {},
  };
  const req = {
    query: { nextauth: providerId ? [action, providerId] : [action] },
    method,
    body,
    cookies,
    headers: { host: new URL(getEnv().publicBaseUrl).host, "x-forwarded-for": "203.0.113.9" },
  };
  await NextAuth(req as never, res as never, getAuthOptions());
  const setCookies = headers.get("set-cookie") ?? [];
  for (const line of Array.isArray(setCookies) ? setCookies : [setCookies]) {
    const [pair] = line.split(";");
    const at = pair!.indexOf("=");
    answer.cookies.push({ name: pair!.slice(0, at), value: decodeURIComponent(pair!.slice(at + 1)) });
  }
  return answer;
}

const cookieValue = (response: Answer, name: string) => response.cookies?.find((c) => c.name === name)?.value;

/** Signs in as a browser does (CSRF token first); returns the cookies it holds afterwards. */
async function signIn(email: string, { callbackUrl }: { callbackUrl?: string } = {}) {
  const csrf = await nextAuth("csrf");
  const csrfCookie = cookieValue(csrf, CSRF_COOKIE)!;
  const csrfToken = (csrf.body as { csrfToken: string }).csrfToken;
  const response = await nextAuth("callback", {
    method: "POST",
    providerId: "credentials",
    body: { email, password: PASSWORD, csrfToken, ...(callbackUrl ? { callbackUrl } : {}), json: "true" },
    cookies: { [CSRF_COOKIE]: csrfCookie },
  });
  const session = cookieValue(response, SESSION_COOKIE);
  if (!session) throw new Error(`sign-in failed: ${response.redirect}`);
  return { cookies: { [CSRF_COOKIE]: csrfCookie, [SESSION_COOKIE]: session }, csrfToken, redirect: response.redirect };
}

const as = async (cookies: Record<string, string>) => {
  jar.cookies = cookies;
  return currentStaff();
};

const actor = (id: string) => ({ actorType: "staff" as const, actorId: id, ip: null });

describe(`staff sessions (${databaseKind})`, () => {
  let t: TestDatabase;
  let adminId: string;
  const member = async (email: string, role: "operator" | "viewer" = "operator") =>
    (await createStaffUser({ email, password: PASSWORD, role })).id;

  beforeAll(async () => {
    process.env.NEXTAUTH_URL = getEnv().publicBaseUrl;
    t = await createTestDatabase();
    adminId = await member("admin@example.com");
    await t.database.prisma.staffUser.update({ where: { id: adminId }, data: { role: "admin" } });
  });
  beforeEach(async () => {
    jar.cookies = {};
    await t.database.prisma.rateLimiterFlexible.deleteMany();
  });
  afterAll(() => t.drop());

  it("signs in through next-auth and reads the session back from the database", async () => {
    const id = await member("reader@example.com");
    const { cookies } = await signIn("reader@example.com");
    expect(await as(cookies)).toMatchObject({ id, email: "reader@example.com", role: "operator" });
    const rows = await t.database.prisma.staffSession.findMany({ where: { staffUserId: id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ip).toBe("203.0.113.9");
    expect(rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime()).toBe(STAFF_SESSION_LIFETIME_SECONDS * 1000);
  });

  it("refuses a cookie kept from before sign-out, and only that session ends", async () => {
    await member("leaver@example.com");
    const laptop = await signIn("leaver@example.com");
    const phone = await signIn("leaver@example.com");
    const signedOut = await nextAuth("signout", { method: "POST", body: { csrfToken: laptop.csrfToken }, cookies: laptop.cookies });
    expect(signedOut.cookies?.find((c) => c.name === SESSION_COOKIE)?.value).toBe("");
    // Someone kept a copy of the laptop's cookie: it no longer works, nor does next-auth report it.
    expect(await as(laptop.cookies)).toBeNull();
    const asked = await nextAuth("session", { cookies: laptop.cookies });
    expect(asked.body).toEqual({});
    expect(cookieValue(asked, SESSION_COOKIE)).toBe("");
    expect(await as(phone.cookies)).toMatchObject({ email: "leaver@example.com" });
    expect(await nextAuth("session", { cookies: phone.cookies })).toMatchObject({ body: { user: { email: "leaver@example.com" } } });
    expect(await t.database.prisma.auditLog.count({ where: { action: "staff.signed_out", target: "leaver@example.com" } })).toBe(1);
  });

  it("ends every session when an admin resets the password", async () => {
    const id = await member("reset@example.com");
    const { cookies } = await signIn("reset@example.com");
    await setStaffPassword({ input: { id, password: "a-brand-new-password" }, actor: actor(adminId) });
    expect(await as(cookies)).toBeNull();
    const row = await t.database.prisma.staffSession.findFirstOrThrow({ where: { staffUserId: id } });
    expect(row.revokedReason).toBe("password_reset");
  });

  it("ends every session when members change their own password", async () => {
    const id = await member("own@example.com");
    const { cookies } = await signIn("own@example.com");
    await changeStaffPassword({ staffUserId: id, password: "my-own-new-password", reason: "password_changed" });
    expect(await as(cookies)).toBeNull();
  });

  it("ends every session when the role changes", async () => {
    const id = await member("promoted@example.com", "viewer");
    const { cookies } = await signIn("promoted@example.com");
    await changeStaffRole({ input: { id, role: "operator" }, actor: actor(adminId) });
    expect(await as(cookies)).toBeNull();
    // Signing in again gives a session with the new role.
    expect(await as((await signIn("promoted@example.com")).cookies)).toMatchObject({ role: "operator" });
  });

  it("ends every session when the account is disabled, and enabling it again does not revive them", async () => {
    const id = await member("disabled@example.com");
    const { cookies } = await signIn("disabled@example.com");
    await setStaffDisabled({ input: { id, disabled: true }, actor: actor(adminId) });
    expect(await as(cookies)).toBeNull();
    await setStaffDisabled({ input: { id, disabled: false }, actor: actor(adminId) });
    expect(await as(cookies)).toBeNull();
  });

  it("does not let next-auth's cookie renewal stretch the session", async () => {
    await member("renewed@example.com");
    const { cookies } = await signIn("renewed@example.com");
    const renewed = await nextAuth("session", { cookies });
    const again = { ...cookies, [SESSION_COOKIE]: cookieValue(renewed, SESSION_COOKIE)! };
    const { decode } = await import("next-auth/jwt");
    const before = await decode({ token: cookies[SESSION_COOKIE], secret: getEnv().authSecret });
    const after = await decode({ token: again[SESSION_COOKIE], secret: getEnv().authSecret });
    expect(after?.signedInAt).toBe(before?.signedInAt);
    expect(after?.sid).toBe(before?.sid);
  });

  it("refuses a session older than the absolute lifetime, even one renewed a moment ago", async () => {
    const id = await member("marathon@example.com");
    const signedInAt = new Date(Date.now() - (STAFF_SESSION_LIFETIME_SECONDS + 60) * 1000);
    const session = await openStaffSession({ staffUserId: id, now: signedInAt });
    // The cookie as next-auth last re-issued it: its own iat and exp are fresh.
    const token = await encode({
      token: { sub: id, role: "operator", sid: session.id, signedInAt: Math.floor(signedInAt.getTime() / 1000) },
      secret: getEnv().authSecret,
      maxAge: STAFF_SESSION_LIFETIME_SECONDS,
    });
    expect(await as({ [SESSION_COOKIE]: token })).toBeNull();
    // One minute younger than the limit still works.
    const fresh = await openStaffSession({ staffUserId: id, now: new Date(Date.now() - (STAFF_SESSION_LIFETIME_SECONDS - 60) * 1000) });
    const ok = await encode({
      token: { sub: id, role: "operator", sid: fresh.id, signedInAt: Math.floor(fresh.signedInAt.getTime() / 1000) },
      secret: getEnv().authSecret,
    });
    expect(await as({ [SESSION_COOKIE]: ok })).toMatchObject({ id });
  });

  it("refuses a cookie naming someone else's session", async () => {
    const mallory = await member("mallory@example.com");
    const victim = await member("victim@example.com");
    const session = await openStaffSession({ staffUserId: victim });
    const token = await encode({
      token: { sub: mallory, role: "operator", sid: session.id, signedInAt: Math.floor(Date.now() / 1000) },
      secret: getEnv().authSecret,
    });
    expect(await as({ [SESSION_COOKIE]: token })).toBeNull();
  });
});

describe(`where sign-in sends staff (${databaseKind})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    process.env.NEXTAUTH_URL = getEnv().publicBaseUrl;
    t = await createTestDatabase();
    await createStaffUser({ email: "ops@example.com", password: PASSWORD, role: "operator" });
  });
  afterAll(() => t.drop());

  const hostile = ["/\\evil.example/x", "/\t/evil.example", "//evil.example", "https://evil.example", "javascript:alert(1)"];

  it.each(hostile)("next-auth's answer to a sign-in with callbackUrl %j stays on the portal", async (callbackUrl) => {
    const { redirect } = await signIn("ops@example.com", { callbackUrl });
    expect(redirect).toBe(`${getEnv().publicBaseUrl}/console`);
  });

  it("keeps a callbackUrl on the portal", async () => {
    const { redirect } = await signIn("ops@example.com", { callbackUrl: "/console/users?x=1" });
    expect(redirect).toBe(`${getEnv().publicBaseUrl}/console/users?x=1`);
  });

  it.each([...hostile, "/%5Cevil.example/x", "/%09/evil.example", "/signin"])(
    "the sign-in page sends a signed-in member with callbackUrl %j to /console",
    async (raw) => {
      const { default: SignInPage } = await import("@/app/signin/page");
      const callbackUrl = raw.includes("%") ? decodeURIComponent(raw) : raw;
      jar.cookies = (await signIn("ops@example.com")).cookies;
      const page = SignInPage({ searchParams: Promise.resolve({ callbackUrl }) });
      await expect(page).rejects.toMatchObject({ redirectTo: "/console" });
    },
  );

  it("the sign-in page sends a signed-in member on to a portal path", async () => {
    const { default: SignInPage } = await import("@/app/signin/page");
    jar.cookies = (await signIn("ops@example.com")).cookies;
    await expect(SignInPage({ searchParams: Promise.resolve({ callbackUrl: "/console/links" }) })).rejects.toMatchObject({
      redirectTo: "/console/links",
    });
  });
});

describe(`audit entries never break sign-in (${databaseKind})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await createStaffUser({ email: "ops@example.com", password: PASSWORD, role: "operator" });
  });
  beforeEach(async () => {
    await t.database.prisma.rateLimiterFlexible.deleteMany();
  });
  afterAll(() => t.drop());

  it("signs in from an address longer than the audit column, and records it as unknown", async () => {
    const result = await signInWithPassword({ email: "ops@example.com", password: PASSWORD, ip: `2001:db8::${"f".repeat(80)}` });
    expect(result.ok).toBe(true);
    const entry = await t.database.prisma.auditLog.findFirstOrThrow({ where: { action: "staff.signed_in" }, orderBy: { id: "desc" } });
    expect(entry.ip).toBe("unknown");
  });

  it("refuses a long unknown email as invalid, not with an error (the audit target is cut to its column)", async () => {
    const email = `${"x".repeat(250)}@example.com`;
    expect(await signInWithPassword({ email, password: PASSWORD, ip: "10.0.0.1" })).toEqual({ ok: false, reason: "invalid" });
    const entry = await t.database.prisma.auditLog.findFirstOrThrow({ where: { action: "staff.sign_in_failed" }, orderBy: { id: "desc" } });
    expect(entry.target).toBe(email.slice(0, 200));
  });

  it("signs in when the audit log cannot be written at all", async () => {
    await t.database.prisma.$executeRawUnsafe(`ALTER TABLE "audit_logs" ADD CONSTRAINT "refuse_everything" CHECK (false) NOT VALID`);
    try {
      const result = await signInWithPassword({ email: "ops@example.com", password: PASSWORD, ip: "10.0.0.2" });
      expect(result.ok).toBe(true);
    } finally {
      await t.database.prisma.$executeRawUnsafe(`ALTER TABLE "audit_logs" DROP CONSTRAINT "refuse_everything"`);
    }
  });
});
