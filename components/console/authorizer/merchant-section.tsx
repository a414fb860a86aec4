// Which of the provider's merchants the account belongs to (merchant_ref), how it got there (a link,
// staff, the API) and every earlier binding; staff who may act can bind it to another.
import { getFormatter, getTranslations } from "next-intl/server";
import Link from "next/link";
import type { MerchantBindingView } from "@/lib/console/authorizer-detail";
import { timeWriter } from "@/lib/console/format";
import type { ActionResult } from "@/lib/console/safe-action";
import { DataTable, type Column } from "../data-table";
import { MerchantForm } from "./merchant-form";

export async function MerchantSection({
  appid,
  merchantRef,
  bindings,
  changeMerchant,
}: {
  appid: string;
  merchantRef: string | null;
  bindings: MerchantBindingView[];
  /** Absent for a role that may not rebind. */
  changeMerchant?: (input: { appid: string; merchantRef: string | null }) => Promise<ActionResult<{ changed: boolean }>>;
}) {
  const t = await getTranslations("console.detail.merchant");
  const when = timeWriter(await getFormatter());
  const columns: Column<MerchantBindingView>[] = [
    { header: t("columns.merchantRef"), cell: (row) => <code>{row.merchantRef}</code> },
    {
      header: t("columns.source"),
      className: "small",
      cell: (row) => (
        <>
          {t(`source.${row.source === "link" || row.source === "api" ? row.source : "staff"}`)}
          {row.attemptId ? (
            <>
              {" · "}
              <Link href={`/console/links/${row.attemptId}`}>{t("link")}</Link>
            </>
          ) : null}
        </>
      ),
    },
    { header: t("columns.boundAt"), className: "small nowrap", cell: (row) => when(row.boundAt) },
    { header: t("columns.unboundAt"), className: "small nowrap", cell: (row) => (row.unboundAt ? when(row.unboundAt) : t("current")) },
  ];
  return (
    <section className="card section" data-testid="merchant-section">
      <h2>{t("title")}</h2>
      <p>
        {t("current")}:{" "}
        {merchantRef ? (
          <Link href={`/console/authorizers?merchant=${encodeURIComponent(merchantRef)}`}>
            <code data-testid="detail-merchant-ref">{merchantRef}</code>
          </Link>
        ) : (
          <span className="muted" data-testid="detail-merchant-ref">
            {t("none")}
          </span>
        )}
      </p>
      {changeMerchant ? <MerchantForm appid={appid} current={merchantRef} changeMerchant={changeMerchant} /> : null}
      <h3>{t("history")}</h3>
      <DataTable
        columns={columns}
        rows={bindings}
        rowKey={(row) => row.id}
        rowData={() => ({ "data-testid": "merchant-binding" })}
        empty={t("noHistory")}
        frame="scroll"
      />
    </section>
  );
}
