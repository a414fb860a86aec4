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
  /** Seconds until the next try is allowed, or 0 when it is allowed now. */
  retryAfter(args: { email: string; ip: string }): Promise<number>;
  recordFailure(args: { email: string; ip: string }): Promise<void>;
  recordSuccess(args: { email: string; ip: string }): Promise<void>;
};

export function createSignInThrottle(prisma: PrismaClient): SignInThrottle {
  const make = (keyPrefix: string, limits: { points: number; duration: number; blockDuration: number }) =>
    new RateLimiterPrisma({ storeClient: prisma, tableName: "rateLimiterFlexible", keyPrefix, clearExpiredByTimeout: false, ...limits });
  const perAccount = make("signin_account", SIGN_IN_LIMITS.perAccount);
  const perAddress = make("signin_address", SIGN_IN_LIMITS.perAddress);
  const perEmail = make("signin_email", SIGN_IN_LIMITS.perEmail);
  const accountKey = ({ email, ip }: { email: string; ip: string }) => `${email.toLowerCase()}|${ip}`;

  const blockedFor = (res: RateLimiterRes | null, points: number) =>
    res && res.consumedPoints >= points ? Math.ceil(res.msBeforeNext / 1000) : 0;

  return {
    async retryAfter(args) {
      const [a, b, c] = await Promise.all([
        perAccount.get(accountKey(args)),
        perAddress.get(args.ip),
        perEmail.get(args.email.toLowerCase()),
      ]);
      return Math.max(
        blockedFor(a, SIGN_IN_LIMITS.perAccount.points),
        blockedFor(b, SIGN_IN_LIMITS.perAddress.points),
        blockedFor(c, SIGN_IN_LIMITS.perEmail.points),
      );
    },
    async recordFailure(args) {
      // consume() rejects once the limit is passed; the block is what we want, not an exception.
      await Promise.all([
        perAccount.consume(accountKey(args)).catch(swallowLimit),
        perAddress.consume(args.ip).catch(swallowLimit),
        perEmail.consume(args.email.toLowerCase()).catch(swallowLimit),
      ]);
    },
    async recordSuccess(args) {
      await perAccount.delete(accountKey(args));
    },
  };
}

function swallowLimit(error: unknown) {
  if (error instanceof RateLimiterRes) return;
  throw error;
}
