// /console/webhooks — the provider's webhook endpoints: where the hub sends lifecycle events and
// forwarded messages, each with its state (active, failing since, disabled and why), last success
// and deliveries waiting or failed; admins create one here (its secret shown once).
import { getFormatter, getTranslations } from "next-intl/server";
import Link from "next/link";
import { AutoRefresh } from "@/components/console/auto-refresh";
import { DataTable, type Column } from "@/components/console/data-table";
import { EndpointForm } from "@/components/console/webhooks/endpoint-form";
import { EndpointStateBadge, EventBadges } from "@/components/console/webhooks/endpoint-state";
import { requireStaff } from "@/lib/auth/session";
import { timeWriter } from "@/lib/console/format";
import { mayRun } from "@/lib/console/permissions";
import { listEndpointSummaries, type EndpointSummary } from "@/lib/console/webhooks";
import { EVENT_TYPES } from "@/lib/webhooks/event-types";
import { createEndpointAction } from "./actions";

export const dynamic = "force-dynamic";

export default async function WebhooksPage() {
  const staff = await requireStaff();
  const [endpoints, t, format] = await Promise.all([listEndpointSummaries(), getTranslations("webhooks"), getFormatter()]);
  const when = timeWriter(format, "minute");
  const columns: Column<EndpointSummary>[] = [
    {
      header: t("columns.url"),
      cell: (row) => (
        <>
          <Link href={`/console/webhooks/${row.id}`} data-testid="endpoint-url">
            {row.url}
          </Link>
          {row.description ? <div className="small muted">{row.description}</div> : null}
        </>
      ),
    },
    {
      header: t("columns.events"),
      className: "small",
      cell: (row) => <EventBadges events={row.events} />,
    },
    { header: t("columns.state"), cell: (row) => <EndpointStateBadge state={row.state} /> },
    { header: t("columns.lastSuccess"), className: "small nowrap", cell: (row) => when(row.lastSuccessAt) },
    {
      header: t("columns.deliveries"),
      className: "small nowrap",
      cell: (row) => <span data-testid="endpoint-counts">{t("counts", { pending: row.pending, failed: row.failed })}</span>,
    },
    { header: t("columns.routes"), className: "small", cell: (row) => row.routes.length },
  ];
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      {mayRun(staff.role, "webhook.manage") ? (
        <EndpointForm eventTypes={EVENT_TYPES} createEndpoint={createEndpointAction} />
      ) : (
        <p className="muted small">{t("readOnly")}</p>
      )}
      <section className="section">
        <h2>{t("endpoints")}</h2>
        <DataTable
          columns={columns}
          rows={endpoints}
          rowKey={(row) => row.id}
          rowData={(row) => ({ "data-testid": "endpoint-row", "data-endpoint": row.id, "data-state": row.state.kind })}
          empty={t("none")}
          emptyTestId="endpoints-empty"
          frame="card"
          labelledCells
          testId="endpoints-table"
        />
      </section>
      <AutoRefresh seconds={10} />
    </>
  );
}
