// /console/health — is the platform working: ticket freshness, component token, refresh queue,
// pushes, recent failures, and errors by errcode class over the last 24 hours.
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import Link from "next/link";
import { AutoRefresh } from "@/components/console/auto-refresh";
import { BarChart, type ChartSeries } from "@/components/console/bar-chart";
import { formatDuration } from "@/components/console/authorizer-labels";
import { DataTable, type Column } from "@/components/console/data-table";
import { requireStaff } from "@/lib/auth/session";
import { FAILURE_CLASSES, loadCountersView, type CountersView } from "@/lib/console/counters-view";
import { HOUR_OF_DAY, timeWriter } from "@/lib/console/format";
import {
  ERROR_CLASSES,
  loadHealthView,
  type ErrorBucket,
  type FailingCredential,
  type HealthView,
  type RecentPush,
} from "@/lib/console/health-view";
import { classifyErrcode } from "@/lib/wechat/errors";

export const dynamic = "force-dynamic";

const CLASS_COLORS: Record<(typeof ERROR_CLASSES)[number], string> = {
  retry: "#10aeff",
  refresh: "#6467f0",
  "re-authorize": "#fa9d3b",
  configuration: "#d4380d",
  quota: "#f5c400",
  client: "#9c6ce8",
  other: "#8f959e",
};
const FAILURE_COLORS: Record<(typeof FAILURE_CLASSES)[number], string> = { ...CLASS_COLORS, credential: "#c41d7f" };
const OUTCOME_COLORS = { refreshed: "#07c160", reused: "#10aeff", failed: "#d4380d" } as const;

export default async function HealthPage() {
  await requireStaff();
  const now = new Date();
  const [view, counters, t, format, locale] = await Promise.all([
    loadHealthView({ now }),
    loadCountersView({ now }),
    getTranslations("console.health"),
    getFormatter(),
    getLocale(),
  ]);
  const classLabel = await getTranslations("console.errorClass");
  const { report } = view;
  const when = timeWriter(format);
  const hourLabel = (d: Date) => format.dateTime(d, HOUR_OF_DAY);
  const tone = report.status === "ok" ? "ok" : report.status === "degraded" ? "warn" : "bad";
  const tokenSeconds = report.componentToken?.expiresAt
    ? Math.round((new Date(report.componentToken.expiresAt).getTime() - now.getTime()) / 1000)
    : null;

  const pushSeries: ChartSeries[] = [
    { key: "tickets", label: t("chart.tickets"), color: "#07c160" },
    { key: "events", label: t("chart.events"), color: "#10aeff" },
    { key: "failed", label: t("chart.failed"), color: "#d4380d" },
  ];
  const errorSeries: ChartSeries[] = ERROR_CLASSES.map((c) => ({ key: c, label: classLabel(c), color: CLASS_COLORS[c] }));

  const pushColumns: Column<RecentPush>[] = [
    { header: t("pushes.receivedAt"), className: "nowrap small", cell: (push) => when(push.receivedAt) },
    { header: t("pushes.infoType"), cell: (push) => <code>{push.infoType}</code> },
    {
      header: t("pushes.authorizer"),
      className: "small",
      cell: (push) =>
        push.authorizerAppid ? <Link href={`/console/authorizers/${push.authorizerAppid}`}>{push.authorizerAppid}</Link> : "—",
    },
    {
      header: t("pushes.state"),
      className: "small",
      cell: (push) =>
        push.error ? (
          <span className="error-text" title={push.error}>
            {t("pushes.failed", { attempts: push.attempts })}: {push.error.slice(0, 120)}
          </span>
        ) : push.processedAt ? (
          <span className="badge ok">{t("pushes.processed")}</span>
        ) : (
          <span className="badge warn">{t("pushes.waiting")}</span>
        ),
    },
  ];
  const pushTable = (rows: RecentPush[], testId: string) => (
    <DataTable columns={pushColumns} rows={rows} rowKey={(push) => push.id} empty={t("noPushes")} frame="scroll" testId={testId} />
  );
  const classColumns: Column<ErrorBucket>[] = [
    {
      rowHeader: true,
      cell: (c) => (
        <>
          <span className="swatch" style={{ background: CLASS_COLORS[c] }} aria-hidden="true" /> {classLabel(c)}
        </>
      ),
    },
    { cell: (c) => view.errorsByClass[c] },
  ];
  const codeColumns: Column<HealthView["errorsByCode"][number]>[] = [
    { rowHeader: true, cell: (entry) => (entry.code !== null ? <code>{entry.code}</code> : t("noCode")) },
    {
      className: "small",
      cell: (entry) => (
        <>
          {classLabel(entry.bucket)}
          {entry.code !== null ? (
            <div className="muted">{locale === "en" ? classifyErrcode(entry.code).action : classifyErrcode(entry.code).actionZh}</div>
          ) : null}
        </>
      ),
    },
    { cell: (entry) => entry.count },
  ];
  const failingColumns: Column<FailingCredential>[] = [
    { className: "nowrap small", cell: (row) => when(row.at) },
    { cell: (row) => <Link href={`/console/authorizers/${row.appid}`}>{row.nickName ?? row.appid}</Link> },
    {
      className: "small",
      cell: (row) => (
        <>
          {row.code !== null ? <code>{row.code}</code> : null} {classLabel(row.bucket)}
        </>
      ),
    },
    { className: "small muted", cell: (row) => row.error },
  ];

  const c = await getTranslations("console.health.counters");
  const receiptColumns: Column<CountersView["receipts"][number]>[] = [
    { header: c("columns.url"), cell: (r) => c(`url.${r.url}`) },
    {
      header: c("columns.outcome"),
      cell: (r) => (
        <>
          {c(`receipt.${r.outcome}`)}
          {r.reason ? <span className="muted"> · {c(`reason.${r.reason}`)}</span> : null}
        </>
      ),
    },
    { header: c("columns.count"), className: "num", cell: (r) => format.number(r.count) },
  ];
  const callColumns: Column<CountersView["wechatCalls"][number]>[] = [
    { header: c("columns.endpoint"), cell: (r) => <code>{r.endpoint}</code> },
    { header: c("columns.errcode"), cell: (r) => (r.errcode === "0" ? c("ok") : <code>{r.errcode}</code>) },
    { header: c("columns.count"), className: "num", cell: (r) => format.number(r.count) },
  ];

  return (
    <>
      <div className="page-head">
        <h1>{t("title")}</h1>
        <span className={`badge ${tone} big`} data-testid="health-status">
          {t(`status.${report.status}`)}
        </span>
      </div>
      {report.problems.length > 0 ? (
        <ul className="notice" data-testid="health-problems">
          {report.problems.map((problem) => (
            <li key={problem}>{t(`problems.${problem}`)}</li>
          ))}
        </ul>
      ) : null}

      <div className="grid">
        <section className="card">
          <h2>{t("ticket.title")}</h2>
          {report.ticket ? (
            <>
              <p>
                <span className={`badge ${report.ticket.stale ? "bad" : "ok"}`}>
                  {report.ticket.stale ? t("ticket.stale") : t("ticket.fresh")}
                </span>
              </p>
              <p className="small muted">
                {report.ticket.ageSeconds !== null
                  ? t("ticket.age", { duration: await formatDuration(report.ticket.ageSeconds) })
                  : t("ticket.never")}
              </p>
              <p className="small muted">{when(report.ticket.receivedAt)}</p>
            </>
          ) : (
            <p className="muted">{t("checkFailed")}</p>
          )}
        </section>
        <section className="card">
          <h2>{t("token.title")}</h2>
          {report.componentToken ? (
            <>
              <p>
                <span className={`badge ${report.componentToken.valid ? "ok" : "bad"}`}>
                  {report.componentToken.valid ? t("token.valid") : t("token.invalid")}
                </span>
              </p>
              <p className="small muted">
                {tokenSeconds !== null && tokenSeconds > 0
                  ? t("token.expiresIn", { duration: await formatDuration(tokenSeconds) })
                  : t("token.none")}
              </p>
              <p className="small muted">{when(report.componentToken.expiresAt)}</p>
            </>
          ) : (
            <p className="muted">{t("checkFailed")}</p>
          )}
        </section>
        <section className="card">
          <h2>{t("queue.title")}</h2>
          {report.refreshQueue ? (
            <>
              <div className="stat" data-testid="refresh-lag">
                {await formatDuration(report.refreshQueue.lagSeconds)}
              </div>
              <p className="small muted">{t("queue.lag")}</p>
              <p className="small muted">
                {t("queue.due", { count: report.refreshQueue.due })}
                {report.refreshQueue.queued !== null ? ` · ${t("queue.queued", { count: report.refreshQueue.queued })}` : ""}
              </p>
            </>
          ) : (
            <p className="muted">{t("checkFailed")}</p>
          )}
        </section>
        <section className="card">
          <h2>{t("pushesCard.title")}</h2>
          {report.pushes ? (
            <>
              <div className="stat">{report.pushes.unprocessed}</div>
              <p className="small muted">{t("pushesCard.unprocessed")}</p>
              {report.pushes.oldestUnprocessedAgeSeconds !== null ? (
                <p className="small muted">
                  {t("pushesCard.oldest", { duration: await formatDuration(report.pushes.oldestUnprocessedAgeSeconds) })}
                </p>
              ) : null}
            </>
          ) : (
            <p className="muted">{t("checkFailed")}</p>
          )}
        </section>
      </div>

      <section className="card section">
        <h2>{t("chart.pushesTitle")}</h2>
        <BarChart
          title={t("chart.pushesTitle")}
          testId="chart-pushes"
          series={pushSeries}
          buckets={view.hours.map((h) => ({
            label: hourLabel(h.start),
            values: { tickets: h.tickets, events: h.events, failed: h.pushFailures },
          }))}
        />
      </section>

      <section className="card section">
        <h2>{t("chart.errorsTitle")}</h2>
        <BarChart
          title={t("chart.errorsTitle")}
          testId="chart-errors"
          series={errorSeries}
          buckets={view.hours.map((h) => ({ label: hourLabel(h.start), values: h.errors }))}
        />
        <p className="small muted">{t("chart.errorsNote")}</p>
        <div className="grid">
          <div>
            <h3>{t("byClass")}</h3>
            <DataTable columns={classColumns} rows={ERROR_CLASSES} rowKey={(c) => c} testId="errors-by-class" />
          </div>
          <div>
            <h3>{t("byCode")}</h3>
            <DataTable
              columns={codeColumns}
              rows={view.errorsByCode}
              rowKey={(entry) => `${entry.code}:${entry.bucket}`}
              empty={t("noErrors")}
            />
          </div>
        </div>
      </section>

      <section className="card section" data-testid="instance-counters">
        <h2>{c("title")}</h2>
        <p className="small muted">{c("note", { since: when(counters.since) })}</p>
        <div className="grid">
          <div>
            <h3>{c("refreshesTitle")}</h3>
            <BarChart
              title={c("refreshesTitle")}
              testId="chart-refreshes"
              series={(["refreshed", "reused", "failed"] as const).map((key) => ({
                key,
                label: c(`outcome.${key}`),
                color: OUTCOME_COLORS[key],
              }))}
              buckets={counters.refreshes.map((r) => ({ label: c(`kind.${r.kind}`), values: r.outcomes }))}
            />
          </div>
          <div>
            <h3>{c("failuresTitle")}</h3>
            <BarChart
              title={c("failuresTitle")}
              testId="chart-refresh-failures"
              series={FAILURE_CLASSES.map((key) => ({ key, label: c(`failureClass.${key}`), color: FAILURE_COLORS[key] }))}
              buckets={counters.failures.map((f) => ({ label: c(`kind.${f.kind}`), values: f.classes }))}
            />
          </div>
        </div>
        <div className="grid">
          <div>
            <h3>{c("receiptsTitle")}</h3>
            <DataTable
              columns={receiptColumns}
              rows={counters.receipts}
              rowKey={(r) => `${r.url}:${r.outcome}:${r.reason}`}
              empty={c("noReceipts")}
              frame="scroll"
              testId="instance-receipts"
            />
          </div>
          <div>
            <h3>{c("callsTitle")}</h3>
            <DataTable
              columns={callColumns}
              rows={counters.wechatCalls}
              rowKey={(r) => `${r.endpoint}:${r.errcode}`}
              empty={c("noCalls")}
              frame="scroll"
              testId="instance-calls"
            />
          </div>
        </div>
      </section>

      <section className="card section">
        <h2>{t("failingCredentials")}</h2>
        <DataTable
          columns={failingColumns}
          rows={view.failingCredentials}
          rowKey={(row) => row.appid}
          empty={t("noErrors")}
          frame="scroll"
        />
      </section>

      <section className="card section">
        <h2>{t("failedPushes")}</h2>
        {pushTable(view.failedPushes, "failed-pushes")}
      </section>
      <section className="card section">
        <h2>{t("recentPushes")}</h2>
        {pushTable(view.recentPushes, "recent-pushes")}
      </section>
      <p className="small muted">
        {t("checkedAt", { time: when(report.checkedAt) })} · <a href="/api/health">/api/health</a>
      </p>
      <AutoRefresh seconds={15} />
    </>
  );
}
