// Each auth code the callback has not seen before costs an api_query_auth call (a daily quota), and
// anyone holding an attempt's link can make codes up. So new codes are counted per attempt and per
// client address in the database (rate-limiter-flexible's Prisma store, as the sign-in and attempt
// throttles), so every portal instance sees the same counters. A code already known (a replay) is
// answered from the database and not counted.
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import type { PrismaClient } from "../generated/prisma/client";

export const CALLBACK_LIMITS = {
  /** A merchant brings back one code per confirmation; a few retries are plenty. */
  perAttempt: { points: 5, duration: 10 * 60, blockDuration: 10 * 60 },
  /** An office behind one address may authorize several accounts in a row. */
  perAddress: { points: 20, duration: 10 * 60, blockDuration: 10 * 60 },
} as const;

export type CallbackThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export type CallbackThrottle = { take(args: { attemptId: string; clientAddress: string }): Promise<CallbackThrottleDecision> };

export function createCallbackThrottle(prisma: PrismaClient): CallbackThrottle {
  const make = (keyPrefix: string, limits: { points: number; duration: number; blockDuration: number }) =>
    new RateLimiterPrisma({ storeClient: prisma, tableName: "rateLimiterFlexible", keyPrefix, clearExpiredByTimeout: false, ...limits });
  const perAttempt = make("callback_attempt", CALLBACK_LIMITS.perAttempt);
  const perAddress = make("callback_address", CALLBACK_LIMITS.perAddress);
  const refusedFor = async (consumed: Promise<unknown>): Promise<number> => {
    try {
      await consumed;
      return 0;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    }
  };
  return {
    async take({ attemptId, clientAddress }) {
      // One after the other: the pool may be small, and each needs a connection of its own.
      const byAttempt = await refusedFor(perAttempt.consume(attemptId));
      const byAddress = byAttempt > 0 ? 0 : await refusedFor(perAddress.consume(clientAddress));
      const retryAfterSeconds = Math.max(byAttempt, byAddress);
      return retryAfterSeconds > 0 ? { allowed: false, retryAfterSeconds } : { allowed: true };
    },
  };
}
