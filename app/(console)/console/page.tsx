import { getFormatter, getTranslations } from "next-intl/server";
import Link from "next/link";
import { DataTable, type Column } from "@/components/console/data-table";
import { timeWriter } from "@/lib/console/format";
import { loadOverview, type Overview } from "@/lib/console/overview";
import { AUTHORIZER_STATUSES } from "@/lib/console/statuses";
import { endpointHealthCounts } from "@/lib/console/webhooks";

export const dynamic = "force-dynamic";

export default async function ConsoleOverviewPage() {
  const t = await getTranslations("console.overview");
  const format = await getFormatter();
  const [overview, hooks, hookText] = await Promise.all([loadOverview(), endpointHealthCounts(), getTranslations("webhooks")]);
  const when = timeWriter(format);
  const activityColumns: Column<Overview["recentAudit"][number]>[] = [
    { cell: (a) => when(a.createdAt) },
    { cell: (a) => <code>{a.action}</code> },
    { cell: (a) => a.target },
  ];
  return (
    <>
      <h1>{t("title")}</h1>
      <div className="grid">
        <section className="card">
          <h2>{t("component")}</h2>
          <p>
            <code>{overview.componentAppid}</code>
          </p>
        </section>
        <section className="card">
          <h2>{t("ticket")}</h2>
          <p className="muted">{overview.ticketReceivedAt ? t("ticketAt", { time: when(overview.ticketReceivedAt) }) : t("ticketNever")}</p>
        </section>
        <section className="card">
          <h2>{t("token")}</h2>
          <p className="muted">{overview.tokenExpiresAt ? t("tokenExpires", { time: when(overview.tokenExpiresAt) }) : t("tokenNone")}</p>
        </section>
      </div>
      {hooks.failing + hooks.disabled > 0 ? (
        // Endpoints that need attention: nothing (or not everything) reaches the provider's service.
        <p className="notice" style={{ marginTop: 16 }} data-testid="webhook-health">
          <Link href="/console/webhooks">{hookText("overview", hooks)}</Link>
        </p>
      ) : null}
      <section className="card" style={{ marginTop: 16 }}>
        <h2>{t("authorizers")}</h2>
        <div className="grid">
          {AUTHORIZER_STATUSES.map((s) => (
            <Link key={s} href={`/console/authorizers?status=${s}`} className="stat-link">
              <div className="stat" data-testid={`count-${s}`}>
                {overview.authorizersByStatus[s]}
              </div>
              <div className="muted">{t(`status.${s}`)}</div>
            </Link>
          ))}
        </div>
      </section>
      <section className="card" style={{ marginTop: 16 }}>
        <h2>{t("recentActivity")}</h2>
        <DataTable columns={activityColumns} rows={overview.recentAudit} rowKey={(a) => a.id} empty={t("noActivity")} />
      </section>
    </>
  );
}
