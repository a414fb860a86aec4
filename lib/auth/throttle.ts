// Failed sign-ins are counted in the database (rate-limiter-flexible's Prisma store), so every
// portal instance sees the same counters.
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import type { PrismaClient } from "../generated/prisma/client";

export const SIGN_IN_LIMITS = {
  /** Wrong passwords for one account from one address before it is locked out for a while. */
  perAccount: { points: 5, duration: 15 * 60, blockDuration: 15 * 60 },
  /** Wrong passwords from one address across accounts (credential stuffing). */
  perAddress: { points: 30, duration: 60 * 60, blockDuration: 60 * 60 },
  /**
   * Wrong passwords for one account from anywhere: a slow, distributed guess (or a forged
   * X-Forwarded-For per try) still runs into this one.
   */
  perEmail: { points: 20, duration: 60 * 60, blockDuration: 30 * 60 },
} as const;

export type SignInThrottle = {
  /**
   * Counts this try against every limit before the password is checked, so a burst of concurrent
   * guesses cannot all pass before the first failure is written. Refused: seconds until a try is
   * allowed again.
   */
  take(args: { email: string; ip: string }): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
  /** The right password: this try did not count (and the account's failures from here are forgiven). */
  recordSuccess(args: { email: string; ip: string }): Promise<void>;
};

export function createSignInThrottle(prisma: PrismaClient): SignInThrottle {
  const make = (keyPrefix: string, limits: { points: number; duration: number; blockDuration: number }) =>
    new RateLimiterPrisma({ storeClient: prisma, tableName: "rateLimiterFlexible", keyPrefix, clearExpiredByTimeout: false, ...limits });
  const perAccount = make("signin_account", SIGN_IN_LIMITS.perAccount);
  const perAddress = make("signin_address", SIGN_IN_LIMITS.perAddress);
  const perEmail = make("signin_email", SIGN_IN_LIMITS.perEmail);
  const accountKey = ({ email, ip }: { email: string; ip: string }) => `${email.toLowerCase()}|${ip}`;

  return {
    async take(args) {
      // consume() is one atomic increment in the store; it rejects with the counter once a limit is passed.
      const results = await Promise.allSettled([
        perAccount.consume(accountKey(args)),
        perAddress.consume(args.ip),
        perEmail.consume(args.email.toLowerCase()),
      ]);
      let waitMs = 0;
      for (const result of results) {
        if (result.status === "fulfilled") continue;
        if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
        waitMs = Math.max(waitMs, result.reason.msBeforeNext);
      }
      return waitMs > 0 ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) } : { allowed: true };
    },
    async recordSuccess(args) {
      await Promise.all([perAccount.delete(accountKey(args)), perAddress.reward(args.ip, 1), perEmail.reward(args.email.toLowerCase(), 1)]);
    },
  };
}
