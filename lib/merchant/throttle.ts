// Creating an attempt spends a pre_auth_code (api_create_preauthcode has a daily quota), and the
// pages create one on a plain GET: a crawler or a link-preview bot must not burn them. Counted per
// client address in the database (rate-limiter-flexible's Prisma store, as the sign-in throttle),
// so every portal instance sees the same counters. Resuming an attempt is not counted.
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import type { PrismaClient } from "../generated/prisma/client";

export const ATTEMPT_CREATION_LIMITS = { points: 30, duration: 10 * 60, blockDuration: 10 * 60 } as const;

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export type AttemptThrottle = { take(address: string): Promise<ThrottleDecision> };

export function createAttemptThrottle(prisma: PrismaClient): AttemptThrottle {
  const limiter = new RateLimiterPrisma({
    storeClient: prisma,
    tableName: "rateLimiterFlexible",
    keyPrefix: "authorize_attempt",
    clearExpiredByTimeout: false,
    ...ATTEMPT_CREATION_LIMITS,
  });
  return {
    async take(address) {
      try {
        await limiter.consume(address);
        return { allowed: true };
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
      }
    },
  };
}
