// Success: the account, what the admin withheld (unticked on WeChat's page) and what it means, and
// the permission sets actually granted. Rendered by the result page on the server and by the live
// PC page in the browser.
import { useTranslations } from "next-intl";
import type { PublicAttempt } from "@/lib/merchant/types";
import { buildRegrantPath, PC_PAGE_PATH } from "@/lib/merchant/urls";
import { AccountCard } from "./account-card";
import { PermissionSetList } from "./permission-set-list";
import styles from "./merchant.module.css";

export function SuccessPanel({
  attempt,
  level = 2,
  headingRef,
  pagePath = PC_PAGE_PATH,
}: {
  attempt: PublicAttempt;
  level?: 1 | 2;
  headingRef?: React.Ref<HTMLHeadingElement>;
  /** The authorization page a re-authorization starts on (the phone's inside WeChat). */
  pagePath?: string;
}) {
  const t = useTranslations("merchant.success");
  const Heading = level === 1 ? "h1" : "h2";
  const Sub = level === 1 ? "h2" : "h3";
  const granted = attempt.grantedPermissionSets ?? [];
  const withheld = attempt.withheldPermissionSets ?? [];
  const name = attempt.authorizer?.nickName ?? attempt.authorizer?.appid ?? "";
  return (
    <div data-testid="attempt-success">
      <div className={styles.center}>
        <span className={`${styles.resultIcon} ${styles.resultOk}`} aria-hidden="true">
          ✓
        </span>
        <Heading ref={headingRef} tabIndex={-1}>
          {t("title")}
        </Heading>
        <p>{name ? t("body", { name }) : t("bodyAnonymous")}</p>
      </div>
      {attempt.authorizer ? <AccountCard authorizer={attempt.authorizer} /> : null}
      {withheld.length > 0 ? (
        <section className={styles.note} data-testid="withheld" aria-labelledby="withheld-heading">
          <Sub id="withheld-heading" className={styles.noteTitle}>
            {t("withheldTitle", { count: withheld.length })}
          </Sub>
          <PermissionSetList sets={withheld} testId="withheld-sets" />
          <p>{t("withheldBody")}</p>
          <p>{t("withheldNext")}</p>
          <a className="button secondary" href={buildRegrantPath({ path: pagePath, attempt })} data-testid="regrant">
            {t("regrant")}
          </a>
        </section>
      ) : null}
      <Sub className={styles.subTitle}>{t("granted", { count: granted.length })}</Sub>
      {granted.length > 0 ? <PermissionSetList sets={granted} testId="granted-sets" /> : <p className={styles.next}>{t("noneGranted")}</p>}
      <p className={styles.next}>{t("next")}</p>
    </div>
  );
}
