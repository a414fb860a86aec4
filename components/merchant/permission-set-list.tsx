// Permission sets (权限集) by name, in the page's language, with WeChat's id beside each.
import { useLocale } from "next-intl";
import type { NamedPermissionSet } from "@/lib/merchant/types";
import { toNameLocale } from "./locale";
import styles from "./merchant.module.css";

export function PermissionSetList({ sets, testId }: { sets: readonly NamedPermissionSet[]; testId?: string }) {
  const locale = toNameLocale(useLocale());
  return (
    <ul className={styles.list} data-testid={testId}>
      {sets.map((set) => (
        <li key={set.id} data-set-id={set.id}>
          <span>{set.name[locale]}</span>
          <span className={styles.setId} aria-hidden="true">
            #{set.id}
          </span>
        </li>
      ))}
    </ul>
  );
}
