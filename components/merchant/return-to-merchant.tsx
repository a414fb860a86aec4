"use client";
// Back to the provider's site: once an attempt made with a return_url has ended, a visible link to
// it (the outcome in its query, lib/merchant/return-url.ts) and, after the result has shown for a
// few seconds, the same navigation automatically. Used by the PC page and the result page.
import { useTranslations } from "next-intl";
import { useEffect } from "react";
import styles from "./merchant.module.css";

/** How long the result shows before the merchant is taken back. */
export const RETURN_DELAY_SECONDS = 5;

export function ReturnToMerchant({ href }: { href: string }) {
  const t = useTranslations("merchantReturn");
  useEffect(() => {
    const timer = setTimeout(() => window.location.assign(href), RETURN_DELAY_SECONDS * 1000);
    return () => clearTimeout(timer);
  }, [href]);
  return (
    <div className={styles.actions} data-testid="return-to-merchant">
      <a className="button" href={href} data-testid="return-link">
        {t("link")}
      </a>
      <p className={styles.next} role="status">
        {t("redirecting", { seconds: RETURN_DELAY_SECONDS })}
      </p>
    </div>
  );
}
