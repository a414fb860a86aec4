// /console/webhooks/[id] — one endpoint: its state and why, its events, the actions (test, rotate,
// disable/enable, delete), its routes for forwarded messages, and its delivery log (filter by status,
// pages, redeliver).
import { getFormatter, getTranslations } from "next-intl/server";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AutoRefresh } from "@/components/console/auto-refresh";
import { DataTable, type Column } from "@/components/console/data-table";
import { Pager } from "@/components/console/pager";
import { DeliveryLog } from "@/components/console/webhooks/delivery-log";
import { EndpointActions } from "@/components/console/webhooks/endpoint-actions";
import { EndpointStateBadge, EventBadges } from "@/components/console/webhooks/endpoint-state";
import { RoutesForm } from "@/components/console/webhooks/routes-form";
import { requireStaff } from "@/lib/auth/session";
import { timeWriter } from "@/lib/console/format";
import { mayRun } from "@/lib/console/permissions";
import { firstValue, type SearchParams } from "@/lib/console/query-params";
import { DELIVERY_STATUSES, decodeDeliveryCursor, listDeliveries, loadEndpointDetail, type RouteView } from "@/lib/console/webhooks";
import {
  deleteEndpointAction,
  disableEndpointAction,
  enableEndpointAction,
  redeliverAction,
  rotateSecretAction,
  saveRoutesAction,
  sendTestAction,
} from "../actions";

export const dynamic = "force-dynamic";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function EndpointPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: SearchParams }) {
  const staff = await requireStaff();
  const { id } = await params;
  const query = await searchParams;
  const endpoint = UUID.test(id) ? await loadEndpointDetail(id) : null;
  if (!endpoint) notFound();
  const status = DELIVERY_STATUSES.find((s) => s === firstValue(query.status));
  const beforeParam = firstValue(query.before);
  const before = decodeDeliveryCursor(typeof beforeParam === "string" ? beforeParam : undefined);
  const [log, t, statusLabel, format] = await Promise.all([
    listDeliveries({ endpointId: endpoint.id, status, before }),
    getTranslations("webhooks"),
    getTranslations("webhooks.deliveryStatus"),
    getFormatter(),
  ]);
  const when = timeWriter(format, "minute");
  const base = `/console/webhooks/${endpoint.id}`;
  const filterHref = (value?: string) => (value ? `${base}?status=${value}` : base);
  const canManage = mayRun(staff.role, "webhook.manage");
  const routeColumns: Column<RouteView>[] = (["authorizerAppid", "merchantRef", "msgType", "event"] as const).map((field) => ({
    header: t(`routes.fields.${field}`),
    className: "small",
    cell: (row: RouteView) => (row[field] ? <code>{row[field]}</code> : t("routes.any")),
  }));
  routeColumns.push({
    header: t("routes.fields.reply"),
    className: "small",
    cell: (row) => (row.reply ? t("routes.sync") : t("routes.async")),
  });

  return (
    <>
      <p className="small">
        <Link href="/console/webhooks">← {t("back")}</Link>
      </p>
      <h1 data-testid="endpoint-title">{endpoint.url}</h1>
      <p>
        <EndpointStateBadge state={endpoint.state} />
      </p>
      <dl className="facts card section">
        <dt>{t("detail.description")}</dt>
        <dd>{endpoint.description ?? "—"}</dd>
        <dt>{t("detail.events")}</dt>
        <dd>
          <EventBadges events={endpoint.events} />
        </dd>
        <dt>{t("detail.lastSuccess")}</dt>
        <dd>{when(endpoint.lastSuccessAt)}</dd>
        <dt>{t("detail.deliveries")}</dt>
        <dd data-testid="endpoint-counts">{t("counts", { pending: endpoint.pending, failed: endpoint.failed })}</dd>
        {endpoint.previousSecretExpiresAt ? (
          <>
            <dt>{t("detail.previousSecret")}</dt>
            <dd>{t("detail.previousSecretUntil", { time: when(endpoint.previousSecretExpiresAt) })}</dd>
          </>
        ) : null}
        <dt>{t("detail.createdAt")}</dt>
        <dd>{when(endpoint.createdAt)}</dd>
      </dl>

      <EndpointActions
        id={endpoint.id}
        disabled={endpoint.state.kind === "disabled"}
        canTest={mayRun(staff.role, "webhook.test")}
        canManage={canManage}
        sendTest={sendTestAction}
        rotateSecret={rotateSecretAction}
        disableEndpoint={disableEndpointAction}
        enableEndpoint={enableEndpointAction}
        deleteEndpoint={deleteEndpointAction}
      />

      {canManage ? (
        <RoutesForm id={endpoint.id} routes={endpoint.routes} saveRoutes={saveRoutesAction} />
      ) : (
        <section className="card section">
          <h2>{t("routes.title")}</h2>
          <DataTable columns={routeColumns} rows={endpoint.routes} rowKey={(row) => row.id} empty={t("routes.none")} frame="scroll" />
        </section>
      )}

      <section className="section">
        <h2>{t("log.title")}</h2>
        <nav className="chips" aria-label={t("log.filterLabel")}>
          <Link href={filterHref()} aria-current={!status ? "page" : undefined}>
            {t("log.all")}
          </Link>
          {DELIVERY_STATUSES.map((value) => (
            <Link key={value} href={filterHref(value)} aria-current={status === value ? "page" : undefined}>
              {statusLabel(value)}
            </Link>
          ))}
        </nav>
        <div className="card">
          <DeliveryLog rows={log.rows} redeliver={mayRun(staff.role, "webhook.redeliver") ? redeliverAction : undefined} />
        </div>
        {log.next ? (
          <Pager
            previous={before ? { href: filterHref(status), label: t("log.newest") } : null}
            next={{ href: `${base}?${new URLSearchParams({ ...(status ? { status } : {}), before: log.next })}`, label: t("log.older") }}
          />
        ) : before ? (
          <Pager previous={{ href: filterHref(status), label: t("log.newest") }} />
        ) : null}
      </section>
      <AutoRefresh seconds={5} />
    </>
  );
}
