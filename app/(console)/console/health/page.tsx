// /console/health — is the platform working: ticket freshness, component token, refresh queue,
// pushes, recent failures, and errors by errcode class over the last 24 hours.
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import Link from "next/link";
import { AutoRefresh } from "@/components/console/auto-refresh";
import { BarChart, type ChartSeries } from "@/components/console/bar-chart";
import { formatDuration } from "@/components/console/authorizer-labels";
import { requireStaff } from "@/lib/auth/session";
import { ERROR_CLASSES, loadHealthView, type RecentPush } from "@/lib/console/health-view";
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

export default async function HealthPage() {
  await requireStaff();
  const now = new Date();
  const [view, t, format, locale] = await Promise.all([
    loadHealthView({ now }),
    getTranslations("console.health"),
    getFormatter(),
    getLocale(),
  ]);
  const classLabel = await getTranslations("console.errorClass");
  const { report } = view;
  const when = (d: Date | string | null) => (d ? format.dateTime(new Date(d), { dateStyle: "medium", timeStyle: "medium" }) : "—");
  const hourLabel = (d: Date) => format.dateTime(d, { hour: "2-digit", minute: "2-digit" });
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

  const pushTable = (rows: RecentPush[], testId: string) =>
    rows.length === 0 ? (
      <p className="muted">{t("noPushes")}</p>
    ) : (
      <div className="table-scroll">
        <table data-testid={testId}>
          <thead>
            <tr>
              <th scope="col">{t("pushes.receivedAt")}</th>
              <th scope="col">{t("pushes.infoType")}</th>
              <th scope="col">{t("pushes.authorizer")}</th>
              <th scope="col">{t("pushes.state")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((push) => (
              <tr key={push.id}>
                <td className="nowrap small">{when(push.receivedAt)}</td>
                <td>
                  <code>{push.infoType}</code>
                </td>
                <td className="small">
                  {push.authorizerAppid ? <Link href={`/console/authorizers/${push.authorizerAppid}`}>{push.authorizerAppid}</Link> : "—"}
                </td>
                <td className="small">
                  {push.error ? (
                    <span className="error-text" title={push.error}>
                      {t("pushes.failed", { attempts: push.attempts })}: {push.error.slice(0, 120)}
                    </span>
                  ) : push.processedAt ? (
                    <span className="badge ok">{t("pushes.processed")}</span>
                  ) : (
                    <span className="badge warn">{t("pushes.waiting")}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );

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
            <table data-testid="errors-by-class">
              <tbody>
                {ERROR_CLASSES.map((c) => (
                  <tr key={c}>
                    <th scope="row">
                      <span className="swatch" style={{ background: CLASS_COLORS[c] }} aria-hidden="true" /> {classLabel(c)}
                    </th>
                    <td>{view.errorsByClass[c]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div>
            <h3>{t("byCode")}</h3>
            {view.errorsByCode.length === 0 ? (
              <p className="muted">{t("noErrors")}</p>
            ) : (
              <table>
                <tbody>
                  {view.errorsByCode.map((entry) => (
                    <tr key={`${entry.code}:${entry.bucket}`}>
                      <th scope="row">{entry.code !== null ? <code>{entry.code}</code> : t("noCode")}</th>
                      <td className="small">
                        {classLabel(entry.bucket)}
                        {entry.code !== null ? (
                          <div className="muted">
                            {locale === "en" ? classifyErrcode(entry.code).action : classifyErrcode(entry.code).actionZh}
                          </div>
                        ) : null}
                      </td>
                      <td>{entry.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </div>
      </section>

      <section className="card section">
        <h2>{t("failingCredentials")}</h2>
        {view.failingCredentials.length === 0 ? (
          <p className="muted">{t("noErrors")}</p>
        ) : (
          <div className="table-scroll">
            <table>
              <tbody>
                {view.failingCredentials.map((row) => (
                  <tr key={row.appid}>
                    <td className="nowrap small">{when(row.at)}</td>
                    <td>
                      <Link href={`/console/authorizers/${row.appid}`}>{row.nickName ?? row.appid}</Link>
                    </td>
                    <td className="small">
                      {row.code !== null ? <code>{row.code}</code> : null} {classLabel(row.bucket)}
                    </td>
                    <td className="small muted">{row.error}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
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
