"use client";
// The live part of the PC page: status, the QR code (rendered on the server, it never changes: it
// encodes the portal's phone page), the countdown of the time it is offered, WeChat's PC page button
// (a pre_auth_code is asked for only when it is pressed), cancel; then success or failure in place,
// without a reload; with the provider's return_url, the way back there (ReturnToMerchant). Once the
// attempt has ended the page becomes its result: the introduction and what sits beside the QR code
// (`intro`, `aside`, rendered on the server) are shown only while it is pending.
import { useTranslations } from "next-intl";
import { useEffect, useRef } from "react";
import { getProblemKey } from "@/lib/merchant/problems";
import { formatCountdown } from "@/lib/merchant/timing";
import type { PublicAttempt } from "@/lib/merchant/types";
import { CopyLink } from "./copy-link";
import { FailurePanel } from "./failure-panel";
import { ReturnToMerchant } from "./return-to-merchant";
import { SuccessPanel } from "./success-panel";
import { useAttemptLive } from "./use-attempt-live";
import styles from "./merchant.module.css";

const COUNTDOWN_FROM_MS = 60 * 60_000;

export function AttemptLive({
  initial,
  qr,
  retryHref,
  intro,
  aside,
}: {
  initial: PublicAttempt;
  qr: React.ReactNode;
  retryHref: string;
  intro?: React.ReactNode;
  aside?: React.ReactNode;
}) {
  const t = useTranslations("merchant.pc");
  const { attempt, remainingMs, opening, offline, cancelling, openPc, cancel } = useAttemptLive(initial);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const status = attempt.status;
  const wasTerminal = useRef(status !== "pending");

  // When the outcome arrives, keyboard and screen-reader users land on it.
  useEffect(() => {
    const terminal = status !== "pending";
    if (terminal && !wasTerminal.current) headingRef.current?.focus();
    wasTerminal.current = terminal;
  }, [status]);

  if (status === "completed") {
    return (
      <div className={styles.resultColumn}>
        <section className={styles.panel} aria-live="polite" data-testid="attempt-live" data-status={status}>
          <SuccessPanel attempt={attempt} headingRef={headingRef} level={1} />
          {attempt.returnTo ? <ReturnToMerchant href={attempt.returnTo} /> : null}
        </section>
      </div>
    );
  }
  if (status === "failed" || status === "cancelled" || status === "expired") {
    return (
      <div className={styles.resultColumn}>
        <section className={styles.panel} aria-live="polite" data-testid="attempt-live" data-status={status}>
          <FailurePanel
            problem={getProblemKey({ problem: status, failure: attempt.failure })}
            errcode={attempt.failure?.errcode ?? null}
            retryHref={retryHref}
            headingRef={headingRef}
            level={1}
          />
          {attempt.returnTo ? <ReturnToMerchant href={attempt.returnTo} /> : null}
        </section>
      </div>
    );
  }

  const statusText = offline ? t("offline") : opening === "failed" ? t("openFailed") : t("waiting");

  return (
    <>
      {intro}
      <div className={styles.layout}>
        <section className={styles.panel} aria-labelledby="scan-heading" data-testid="attempt-live" data-status={status}>
          <h2 id="scan-heading" ref={headingRef} tabIndex={-1}>
            {t("scanTitle")}
          </h2>
          <p
            role="status"
            className={`${styles.status} ${offline || opening === "failed" ? "" : styles.statusWaiting}`}
            data-testid="attempt-status"
          >
            {statusText}
          </p>
          <div className={styles.qrFrame} data-testid="qr-frame">
            {qr}
          </div>
          {/* A link made in the console may be offered for days: the countdown only matters in its last hour. */}
          {remainingMs <= COUNTDOWN_FROM_MS ? (
            <p className={styles.timer} role="timer" aria-live="off" data-testid="countdown">
              {t("expiresIn")} <b>{formatCountdown(remainingMs)}</b>
            </p>
          ) : null}
          <p className={styles.hint}>{t("validHint")}</p>
          <div className={styles.actions}>
            <button type="button" className="button" onClick={openPc} disabled={opening === "opening"} data-testid="open-pc">
              {opening === "opening" ? t("opening") : t("openPc")}
            </button>
            <button type="button" className="button secondary" onClick={cancel} disabled={cancelling} data-testid="cancel">
              {cancelling ? t("cancelling") : t("cancel")}
            </button>
          </div>
          {/* WeChat reports a cancel on its page to no one: only the phone page, if the admin comes back to it, can. */}
          <p className={styles.hint} data-testid="cancel-hint">
            {t("cancelHint")}
          </p>
          <div className={styles.phoneLink}>
            <p>{t("phoneLink")}</p>
            <CopyLink value={attempt.phoneUrl} variant="secondary" />
          </div>
        </section>
        {aside}
      </div>
    </>
  );
}
