// Success: the account, and the permission sets actually granted (the admin may untick some).
// Rendered by the result page on the server and by the live PC page in the browser.
import { useLocale, useTranslations } from "next-intl";
import type { PublicAttempt } from "@/lib/merchant/types";
import { AccountCard } from "./account-card";
import { toNameLocale } from "./locale";
import { PermissionSetList } from "./permission-set-list";
import styles from "./merchant.module.css";

export function SuccessPanel({
  attempt,
  level = 2,
  headingRef,
}: {
  attempt: PublicAttempt;
  level?: 1 | 2;
  headingRef?: React.Ref<HTMLHeadingElement>;
}) {
  const t = useTranslations("merchant.success");
  const locale = toNameLocale(useLocale());
  const Heading = level === 1 ? "h1" : "h2";
  const granted = attempt.grantedPermissionSets ?? [];
  const grantedIds = new Set(granted.map((set) => set.id));
  const missing = attempt.requestedPermissionSets.filter((set) => !grantedIds.has(set.id));
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
      <h3>{t("granted", { count: granted.length })}</h3>
      {granted.length > 0 ? <PermissionSetList sets={granted} testId="granted-sets" /> : <p className={styles.next}>{t("noneGranted")}</p>}
      {missing.length > 0 ? (
        <p className={styles.note} data-testid="fewer-sets">
          {t("fewer", {
            granted: granted.length,
            requested: attempt.requestedPermissionSets.length,
            missing: missing.map((set) => set.name[locale]).join(locale === "en" ? ", " : "、"),
          })}
        </p>
      ) : null}
      <p className={styles.next}>{t("next")}</p>
    </div>
  );
}
