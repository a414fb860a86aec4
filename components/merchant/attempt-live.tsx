"use client";
// The live part of the PC page: status, the QR code's frame (the code itself is rendered on the
// server and never changes: it encodes the portal's phone page), the countdown, WeChat's PC page
// button, cancel; then success or failure in place, without a reload.
import { useTranslations } from "next-intl";
import { useEffect, useRef } from "react";
import { getProblemKey } from "@/lib/merchant/problems";
import { formatCountdown } from "@/lib/merchant/timing";
import type { PublicAttempt } from "@/lib/merchant/types";
import { CopyLink } from "./copy-link";
import { FailurePanel } from "./failure-panel";
import { SuccessPanel } from "./success-panel";
import { useAttemptLive } from "./use-attempt-live";
import styles from "./merchant.module.css";

export function AttemptLive({ initial, qr, retryHref }: { initial: PublicAttempt; qr: React.ReactNode; retryHref: string }) {
  const t = useTranslations("merchant.pc");
  const { attempt, remainingMs, codeState, renewal, offline, cancelling, refresh, cancel } = useAttemptLive(initial);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const status = attempt.status;
  const wasTerminal = useRef(status === "completed" || status === "failed" || status === "cancelled");

  // When the outcome arrives, keyboard and screen-reader users land on it.
  useEffect(() => {
    const terminal = status === "completed" || status === "failed" || status === "cancelled";
    if (terminal && !wasTerminal.current) headingRef.current?.focus();
    wasTerminal.current = terminal;
  }, [status]);

  if (status === "completed") {
    return (
      <section className={styles.panel} aria-live="polite" data-testid="attempt-live" data-status={status}>
        <SuccessPanel attempt={attempt} headingRef={headingRef} />
      </section>
    );
  }
  if (status === "failed" || status === "cancelled") {
    return (
      <section className={styles.panel} aria-live="polite" data-testid="attempt-live" data-status={status}>
        <FailurePanel
          problem={getProblemKey({ problem: status, failure: attempt.failure })}
          errcode={attempt.failure?.errcode ?? null}
          retryHref={retryHref}
          headingRef={headingRef}
        />
      </section>
    );
  }

  const statusText = offline
    ? t("offline")
    : codeState === "updating"
      ? t("updating")
      : codeState === "dead"
        ? t(renewal === "paused" ? "pausedStatus" : "renewFailedStatus")
        : t("waiting");
  const pcLink = codeState === "live" ? attempt.links?.pc : undefined;

  return (
    <section
      className={styles.panel}
      aria-labelledby="scan-heading"
      data-testid="attempt-live"
      data-status={status}
      data-code-state={codeState}
    >
      <h2 id="scan-heading" ref={headingRef} tabIndex={-1}>
        {t("scanTitle")}
      </h2>
      <p
        role="status"
        className={`${styles.status} ${codeState === "live" && !offline ? styles.statusWaiting : ""}`}
        data-testid="attempt-status"
      >
        {statusText}
      </p>
      <div className={`${styles.qrFrame} ${codeState === "live" ? "" : styles.qrDimmed}`} data-testid="qr-frame">
        {qr}
        {codeState === "live" ? null : (
          <div className={styles.qrOverlay}>
            <span>{codeState === "updating" ? t("updating") : t(renewal === "paused" ? "paused" : "renewFailed")}</span>
            {codeState === "dead" ? (
              <button type="button" className="button" onClick={refresh} data-testid="refresh-code">
                {t("refresh")}
              </button>
            ) : null}
          </div>
        )}
      </div>
      <p className={styles.timer} role="timer" aria-live="off" data-testid="countdown">
        {t("expiresIn")} <b>{formatCountdown(remainingMs)}</b>
      </p>
      <p className={styles.hint}>{t("autoRenew")}</p>
      <div className={styles.actions}>
        {pcLink ? (
          <a className="button" href={pcLink} data-testid="open-pc">
            {t("openPc")}
          </a>
        ) : (
          <span className={`button ${styles.disabledLink}`} aria-disabled="true">
            {t("openPc")}
          </span>
        )}
        <button type="button" className="button secondary" onClick={cancel} disabled={cancelling} data-testid="cancel">
          {cancelling ? t("cancelling") : t("cancel")}
        </button>
      </div>
      <div className={styles.phoneLink}>
        <p>{t("phoneLink")}</p>
        <CopyLink value={attempt.phoneUrl} variant="secondary" />
      </div>
    </section>
  );
}
