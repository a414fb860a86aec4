// A delivery log: one row per (event, endpoint) with its webhook-id, status, attempts, latency, next
// retry, last status code and the start of the answer; a redeliver button for those who may. Used on
// an endpoint's page and on an authorizer's page (there with the endpoint's URL).
import { getFormatter, getTranslations } from "next-intl/server";
import Link from "next/link";
import type { ActionResult } from "@/lib/console/safe-action";
import { timeWriter } from "@/lib/console/format";
import type { DeliveryView as DeliveryRow } from "@/lib/console/webhooks";
import { DataTable, type Column } from "../data-table";
import { RedeliverButton } from "./endpoint-actions";

const TONE = { pending: "warn", delivered: "ok", failed: "bad" } as const;

export async function DeliveryLog({
  rows,
  showEndpoint = false,
  redeliver,
  testId = "delivery-log",
}: {
  rows: DeliveryRow[];
  showEndpoint?: boolean;
  /** Absent for a role that may not redeliver. */
  redeliver?: (input: { deliveryId: string }) => Promise<ActionResult<void>>;
  testId?: string;
}) {
  const t = await getTranslations("webhooks.log");
  const statusLabel = await getTranslations("webhooks.deliveryStatus");
  const when = timeWriter(await getFormatter());
  const columns: Column<DeliveryRow>[] = [
    { header: t("columns.createdAt"), className: "small nowrap", cell: (row) => when(row.createdAt) },
    { header: t("columns.type"), className: "small", cell: (row) => <code>{row.eventType}</code> },
    ...(showEndpoint
      ? [
          {
            header: t("columns.endpoint"),
            className: "small",
            cell: (row: DeliveryRow) => <Link href={`/console/webhooks/${row.endpointId}`}>{row.endpointUrl}</Link>,
          },
        ]
      : []),
    { header: t("columns.webhookId"), className: "small", cell: (row) => <code data-testid="delivery-webhook-id">{row.eventId}</code> },
    {
      header: t("columns.status"),
      className: "nowrap",
      cell: (row) => (
        <span className={`badge ${TONE[row.status]}`} data-testid="delivery-status" data-status={row.status}>
          {statusLabel(row.status)}
        </span>
      ),
    },
    { header: t("columns.attempts"), className: "small", cell: (row) => row.attempts },
    {
      header: t("columns.latency"),
      className: "small nowrap",
      cell: (row) => (row.lastLatencyMs === null ? "—" : `${row.lastLatencyMs} ms`),
    },
    { header: t("columns.nextAttempt"), className: "small nowrap", cell: (row) => when(row.nextAttemptAt) },
    {
      header: t("columns.statusCode"),
      className: "small",
      cell: (row) => (row.lastStatusCode === null ? "—" : <code>{row.lastStatusCode}</code>),
    },
    {
      header: t("columns.response"),
      className: "small",
      cell: (row) =>
        row.lastError || row.lastResponse ? (
          <>
            {row.lastError ? <div className="error">{row.lastError}</div> : null}
            {row.lastResponse ? <code className="excerpt">{row.lastResponse.slice(0, 200)}</code> : null}
          </>
        ) : (
          "—"
        ),
    },
    ...(redeliver ? [{ header: "", cell: (row: DeliveryRow) => <RedeliverButton deliveryId={row.id} redeliver={redeliver} /> }] : []),
  ];
  return (
    <DataTable
      columns={columns}
      rows={rows}
      rowKey={(row) => row.id}
      rowData={(row) => ({ "data-testid": "delivery-row", "data-delivery": row.id, "data-status": row.status })}
      empty={t("none")}
      emptyTestId={`${testId}-empty`}
      frame="scroll"
      labelledCells
      testId={testId}
    />
  );
}
