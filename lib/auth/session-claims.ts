// What a staff session cookie (a next-auth JWT) must carry, checked without the database: proxy.ts
// runs this on every console request. The database check (is the session still open?) is
// lib/auth/staff-sessions.ts, done by lib/auth/session.ts for every page and action.
import type { JWT } from "next-auth/jwt";

/** A session ends this long after sign-in, however recently it was used. */
export const STAFF_SESSION_LIFETIME_SECONDS = 12 * 60 * 60;

export type SessionClaims = { sub: string; sid: string; signedInAt: number };

/** The claims of a token that is still within its lifetime, or null. */
export function readSessionClaims(token: JWT | null | undefined, { now = new Date() }: { now?: Date } = {}): SessionClaims | null {
  if (!token) return null;
  const { sub, sid, signedInAt } = token;
  if (typeof sub !== "string" || typeof sid !== "string" || typeof signedInAt !== "number") return null;
  const age = now.getTime() / 1000 - signedInAt;
  // A sign-in time in the future is not one this portal wrote (clocks agree within a minute).
  if (age < -60 || age >= STAFF_SESSION_LIFETIME_SECONDS) return null;
  return { sub, sid, signedInAt };
}
