// What the merchant is about to grant: the kinds of account WeChat will list, and the permission
// sets by name (all published ones when the link names none). Server-rendered.
import { useTranslations } from "next-intl";
import { getRequestedAccountTypes } from "@/lib/merchant/account-kind";
import { listPublishedSets } from "@/lib/merchant/permission-set-names";
import type { NamedPermissionSet } from "@/lib/merchant/types";
import { PermissionSetList } from "./permission-set-list";
import styles from "./merchant.module.css";

export function GrantSummary({
  authType,
  bizAppid,
  requested,
}: {
  authType: number;
  bizAppid: string | null;
  requested: readonly NamedPermissionSet[];
}) {
  const t = useTranslations("merchant.grant");
  const types = useTranslations("merchant.accountTypes");
  const accountTypes = getRequestedAccountTypes(authType);
  const published = requested.length === 0 ? listPublishedSets(accountTypes) : [];
  return (
    <section className={styles.panel} aria-labelledby="grant-heading" data-testid="grant-summary">
      <h2 id="grant-heading">{t("title")}</h2>
      <h3>{t("accountTypes")}</h3>
      <ul className={styles.tags} data-testid="account-types">
        {accountTypes.map((type) => (
          <li key={type} className={styles.tag}>
            {types(type)}
          </li>
        ))}
      </ul>
      {bizAppid ? <p className={styles.next}>{t("pinned", { appid: bizAppid })}</p> : null}
      <h3>{t("permissionSets")}</h3>
      {requested.length > 0 ? (
        <>
          <PermissionSetList sets={requested} testId="requested-sets" />
          <p className={styles.next}>{t("untickHint")}</p>
        </>
      ) : (
        <>
          <p className={styles.next}>{t("allSets")}</p>
          {published.length > 0 ? (
            <details className={styles.details}>
              <summary>{t("showAll", { count: published.length })}</summary>
              <PermissionSetList sets={published} testId="published-sets" />
            </details>
          ) : null}
        </>
      )}
    </section>
  );
}
