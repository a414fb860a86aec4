// next-auth configuration: staff sign in with email + password; the cookie is a JWT naming the
// server-side session that sign-in opened (lib/auth/staff-sessions.ts), which is what really decides.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { recordAudit } from "../audit";
import { getClientAddress } from "../client-address";
import { isDatabaseUnavailable } from "../db/errors";
import { getEnv } from "../env";
import { logger } from "../logger";
import type { StaffRole } from "../generated/prisma/enums";
import { resolveCallbackUrl } from "./callback-url";
import { STAFF_SESSION_LIFETIME_SECONDS } from "./session-claims";
import { signInWithPassword } from "./sign-in";
import { endStaffSession, findSessionStaff } from "./staff-sessions";

const credentials = z.object({ email: z.string().trim().email().max(320), password: z.string().min(1).max(200) });

/** The error codes the sign-in form shows (next-auth passes a thrown message through as `error`). */
export const SIGN_IN_ERRORS = {
  invalid: "invalid",
  throttled: "throttled",
  busy: "busy",
  unavailable: "unavailable",
  failed: "failed",
} as const;

/** Thrown from the jwt callback: next-auth then clears the cookie and answers "no session". */
const SESSION_ENDED = "staff session ended";

export function getAuthOptions(): NextAuthOptions {
  return {
    secret: getEnv().authSecret,
    // next-auth renews the cookie as it is used; the session itself ends STAFF_SESSION_LIFETIME
    // after sign-in (the signedInAt claim and the row's expires_at), so that renewal never extends it.
    session: { strategy: "jwt", maxAge: STAFF_SESSION_LIFETIME_SECONDS },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [
      CredentialsProvider({
        name: "email",
        credentials: { email: { type: "email" }, password: { type: "password" } },
        async authorize(raw, req) {
          const parsed = credentials.safeParse(raw);
          if (!parsed.success) throw new Error(SIGN_IN_ERRORS.invalid);
          const ip = getClientAddress(new Headers(req?.headers as Record<string, string> | undefined));
          // next-auth hands a thrown message to the browser: only our own codes, never a driver's words.
          const result = await signInWithPassword({ ...parsed.data, ip }).catch((error: unknown) => {
            logger.error({ err: error }, "sign-in failed");
            throw new Error(isDatabaseUnavailable(error) ? SIGN_IN_ERRORS.unavailable : SIGN_IN_ERRORS.failed);
          });
          if (!result.ok) {
            if (result.reason === "throttled") throw new Error(`${SIGN_IN_ERRORS.throttled}:${result.retryAfterSeconds}`);
            throw new Error(result.reason === "busy" ? SIGN_IN_ERRORS.busy : SIGN_IN_ERRORS.invalid);
          }
          const { staff, session } = result;
          return {
            id: staff.id,
            email: staff.email,
            name: staff.name,
            role: staff.role,
            sessionId: session.id,
            signedInAt: Math.floor(session.signedInAt.getTime() / 1000),
          };
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.role = user.role;
          token.sid = user.sessionId;
          token.signedInAt = user.signedInAt;
          return token;
        }
        // Every read of the cookie through next-auth (getServerSession, /api/auth/session) asks the
        // database whether its session is still open, so next-auth never reports an ended one.
        // lib/auth/session.ts checks again for the pages and actions, whatever next-auth did.
        const staff = token.sub && token.sid ? await findSessionStaff({ sessionId: token.sid, staffUserId: token.sub }) : null;
        if (!staff) throw new Error(SESSION_ENDED);
        token.role = staff.role;
        token.email = staff.email;
        token.name = staff.name;
        return token;
      },
      session({ session, token }) {
        session.user = { ...session.user, id: token.sub ?? "", role: token.role as StaffRole, sessionId: token.sid };
        return session;
      },
      // After sign-in and sign-out: only ever somewhere on the portal itself.
      redirect({ url }) {
        return resolveCallbackUrl(url, { baseUrl: getEnv().publicBaseUrl });
      },
    },
    // next-auth's own messages through the portal's logger (codes and messages only: its metadata
    // can hold request details). An ended session is routine, not an error.
    logger: {
      error(code, metadata) {
        const message = metadata instanceof Error ? metadata.message : (metadata as { message?: string } | undefined)?.message;
        if (code === "JWT_SESSION_ERROR" && message === SESSION_ENDED) logger.debug("next-auth: a cookie of an ended session was refused");
        else logger.error({ code, message }, "next-auth error");
      },
      warn(code) {
        logger.warn({ code }, "next-auth warning");
      },
      debug() {},
    },
    events: {
      // Clearing the cookie is not enough: a copy of it would still work. The session ends here.
      async signOut({ token }) {
        if (!token?.sid) return;
        const ended = await endStaffSession({ sessionId: token.sid, reason: "sign_out" }).catch((error: unknown) => {
          logger.error({ err: error }, "sign-out: could not end the session");
          return false;
        });
        if (ended) await recordAudit({ actorType: "staff", actorId: token.sub, action: "staff.signed_out", target: token.email ?? null });
      },
    },
  };
}
