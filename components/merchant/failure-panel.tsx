// A failure, in three parts: what happened, the code WeChat gave (if any), what to do next; with a
// retry when starting again can help. Rendered on the server (result, phone pages) and live (PC page).
import { useTranslations } from "next-intl";
import { RETRYABLE, type ProblemKey } from "@/lib/merchant/problems";
import styles from "./merchant.module.css";

export function FailurePanel({
  problem,
  errcode = null,
  retryHref,
  values = {},
  level = 2,
  headingRef,
}: {
  problem: ProblemKey;
  errcode?: number | null;
  retryHref?: string;
  values?: Record<string, string | number>;
  level?: 1 | 2;
  headingRef?: React.Ref<HTMLHeadingElement>;
}) {
  const t = useTranslations("merchant.problem");
  const Heading = level === 1 ? "h1" : "h2";
  return (
    <div data-testid="attempt-failure" data-problem={problem}>
      <div className={styles.center}>
        <span className={`${styles.resultIcon} ${styles.resultBad}`} aria-hidden="true">
          !
        </span>
        <Heading ref={headingRef} tabIndex={-1}>
          {t(`${problem}.title`)}
        </Heading>
      </div>
      <p>{t(`${problem}.body`, values)}</p>
      {errcode !== null ? <p className={styles.errcode}>{t("errcode", { errcode })}</p> : null}
      <p className={styles.next}>{t(`${problem}.next`, values)}</p>
      {retryHref && RETRYABLE.has(problem) ? (
        <div className={styles.actions}>
          <a className="button" href={retryHref} data-testid="retry">
            {t("retry")}
          </a>
        </div>
      ) : null}
    </div>
  );
}
