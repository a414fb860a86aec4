// The permission sets the account granted, with WeChat's confirm_info for each.
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import type { GrantedPermissionSet } from "@/lib/console/authorizer-detail";
import { timeWriter } from "@/lib/console/format";
import { permissionSetLocale } from "@/lib/console/permission-set-groups";
import { permissionSetName } from "@/lib/wechat/permission-sets";
import { DataTable, type Column } from "../data-table";

export async function PermissionSetsSection({ sets }: { sets: GrantedPermissionSet[] }) {
  const [t, format, locale] = await Promise.all([getTranslations("console.detail.sets"), getFormatter(), getLocale()]);
  const when = timeWriter(format);
  const confirmText = (set: GrantedPermissionSet) =>
    set.confirm
      ? [
          set.confirm.needConfirm ? t("needConfirm") : t("noConfirmNeeded"),
          set.confirm.alreadyConfirm ? t("alreadyConfirmed") : null,
          set.confirm.canConfirm ? t("canConfirm") : null,
        ]
          .filter(Boolean)
          .join(" · ")
      : "—";
  const columns: Column<GrantedPermissionSet>[] = [
    { header: t("id"), cell: (set) => set.id },
    { header: t("name"), testId: "permission-set", cell: (set) => permissionSetName(set.id, permissionSetLocale(locale)) },
    { header: t("confirm"), className: "small", cell: confirmText },
    { header: t("grantedAt"), className: "small", cell: (set) => when(set.grantedAt) },
  ];
  return (
    <section className="card section">
      <h2>{t("title", { count: sets.length })}</h2>
      <DataTable
        columns={columns}
        rows={sets}
        rowKey={(set) => String(set.id)}
        empty={t("none")}
        frame="scroll"
        testId="detail-permission-sets"
      />
    </section>
  );
}
