// next-auth configuration: staff sign in with email + password; sessions are JWTs in a cookie.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getClientAddress } from "../client-address";
import { getEnv } from "../env";
import type { StaffRole } from "../generated/prisma/enums";
import { signInWithPassword } from "./sign-in";

const credentials = z.object({ email: z.string().trim().email().max(320), password: z.string().min(1).max(200) });

/** The error codes the sign-in form shows (next-auth passes a thrown message through as `error`). */
export const SIGN_IN_ERRORS = { invalid: "invalid", throttled: "throttled" } as const;


export function getAuthOptions(): NextAuthOptions {
  return {
    secret: getEnv().authSecret,
    session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [
      CredentialsProvider({
        name: "email",
        credentials: { email: { type: "email" }, password: { type: "password" } },
        async authorize(raw, req) {
          const parsed = credentials.safeParse(raw);
          if (!parsed.success) throw new Error(SIGN_IN_ERRORS.invalid);
          const result = await signInWithPassword({ ...parsed.data, ip: getClientAddress(new Headers(req?.headers as Record<string, string> | undefined)) });
          if (!result.ok) {
            throw new Error(
              result.reason === "throttled" ? `${SIGN_IN_ERRORS.throttled}:${result.retryAfterSeconds}` : SIGN_IN_ERRORS.invalid,
            );
          }
          return { id: result.staff.id, email: result.staff.email, name: result.staff.name, role: result.staff.role };
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.role = user.role;
        }
        return token;
      },
      session({ session, token }) {
        session.user = { ...session.user, id: token.sub ?? "", role: token.role as StaffRole };
        return session;
      },
    },
  };
}
