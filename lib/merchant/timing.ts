// When a pre_auth_code is renewed. The desktop page renews shortly before the code lapses (60 s, or
// 15% of a short lifetime, so a sandbox with a fast clock behaves like WeChat); the phone page wants
// a code with time left for choosing an account and confirming, so it renews from half-life on.
// Pure: shared by the server (what to renew) and the pages (when to ask).

export const MAX_RENEW_LEAD_MS = 60_000;
export const SHORT_LIFETIME_RENEW_SHARE = 0.15;
/** WeChat's pre_auth_code lives 600 s; used when a row gives no believable issue time. */
export const DEFAULT_CODE_LIFETIME_MS = 600_000;
/** A renewal asked for this early is still granted (clocks and timers are not exact). */
export const RENEW_SLACK_MS = 2_000;

export type CodeTiming = {
  expiresAt: Date;
  lifetimeMs: number;
  renewAt: Date;
};

export type RenewalPurpose = "page" | "phone";

export function renewLeadMs(lifetimeMs: number): number {
  return Math.min(MAX_RENEW_LEAD_MS, Math.round(lifetimeMs * SHORT_LIFETIME_RENEW_SHARE));
}

/** The current code's lifetime and renewal moment, from when it was issued and when it lapses. */
export function getCodeTiming({ issuedAt, expiresAt }: { issuedAt: Date; expiresAt: Date }): CodeTiming {
  const measured = expiresAt.getTime() - issuedAt.getTime();
  // A pending row is only written when a code is issued; anything else means we cannot tell.
  const lifetimeMs = measured > 0 && measured <= 2 * DEFAULT_CODE_LIFETIME_MS ? measured : DEFAULT_CODE_LIFETIME_MS;
  return { expiresAt, lifetimeMs, renewAt: new Date(expiresAt.getTime() - renewLeadMs(lifetimeMs)) };
}

export function isRenewalDue({ timing, now, purpose }: { timing: CodeTiming; now: Date; purpose: RenewalPurpose }): boolean {
  const remaining = timing.expiresAt.getTime() - now.getTime();
  if (purpose === "phone") return remaining < Math.max(renewLeadMs(timing.lifetimeMs), timing.lifetimeMs / 2);
  return now.getTime() >= timing.renewAt.getTime() - RENEW_SLACK_MS;
}

/** "09:05" for the countdown; never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
}
