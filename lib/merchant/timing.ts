// When a pre_auth_code is replaced. A code is handed over only when the merchant is about to use it
// on WeChat's page (the PC button, the phone page forwarding), and choosing an account and
// confirming takes a while: so a code past half its life (and always one within 60 s, or 15% of a
// short fast-clock lifetime, of lapsing) is replaced first. Pure.

export const MAX_RENEW_LEAD_MS = 60_000;
export const SHORT_LIFETIME_RENEW_SHARE = 0.15;
/** WeChat's pre_auth_code lives 600 s; used when a row gives no believable issue time. */
export const DEFAULT_CODE_LIFETIME_MS = 600_000;

export type CodeTiming = {
  expiresAt: Date;
  lifetimeMs: number;
  renewAt: Date;
};

export function renewLeadMs(lifetimeMs: number): number {
  return Math.min(MAX_RENEW_LEAD_MS, Math.round(lifetimeMs * SHORT_LIFETIME_RENEW_SHARE));
}

/** The current code's lifetime and renewal moment, from when it was issued and when it lapses. */
export function getCodeTiming({ issuedAt, expiresAt }: { issuedAt: Date; expiresAt: Date }): CodeTiming {
  const measured = expiresAt.getTime() - issuedAt.getTime();
  // An issue time after the expiry, or a lifetime far beyond WeChat's, means we cannot tell.
  const lifetimeMs = measured > 0 && measured <= 2 * DEFAULT_CODE_LIFETIME_MS ? measured : DEFAULT_CODE_LIFETIME_MS;
  return { expiresAt, lifetimeMs, renewAt: new Date(expiresAt.getTime() - renewLeadMs(lifetimeMs)) };
}

/** Whether a code should be replaced before it is handed to the merchant. */
export function isRenewalDue({ timing, now }: { timing: CodeTiming; now: Date }): boolean {
  const remaining = timing.expiresAt.getTime() - now.getTime();
  return remaining < Math.max(renewLeadMs(timing.lifetimeMs), timing.lifetimeMs / 2);
}

/** "09:05" for the countdown; never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
}
