// /console — the overview: is everything healthy, and what needs someone? Each item needing attention
// links to where it is dealt with; below, the component's credentials, accounts by status and recent activity.
import { getFormatter, getTranslations } from "next-intl/server";
import Link from "next/link";
import { AuditAction } from "@/components/console/audit-action";
import { DataTable, type Column } from "@/components/console/data-table";
import { timeWriter } from "@/lib/console/format";
import { allHealthy, loadOverview, type AccountRef, type Overview } from "@/lib/console/overview";
import { AUTHORIZER_STATUSES } from "@/lib/console/statuses";

export const dynamic = "force-dynamic";

type Item = {
  kind: string;
  tone: "bad" | "warn";
  text: string;
  /** Where it is dealt with. */
  href: string;
  action: string;
  accounts?: (AccountRef & { detail?: string })[];
  more?: number;
};

async function attentionItems({ attention }: Overview): Promise<Item[]> {
  const t = await getTranslations("console.overview.attention");
  const items: Item[] = [];
  const { needsReauthorization: reauth, failingRefreshes: failing, ticket, webhooks } = attention;
  if (reauth.count > 0) {
    items.push({
      kind: "needs_reauthorization",
      tone: "bad",
      text: t("needsReauthorization", { count: reauth.count }),
      href: "/console/authorizers?status=needs_reauthorization",
      action: t("needsReauthorizationAction"),
      accounts: reauth.sample,
      more: reauth.count - reauth.sample.length,
    });
  }
  if (failing.count > 0) {
    items.push({
      kind: "failing_refreshes",
      tone: "bad",
      text: t("failingRefreshes", { count: failing.count }),
      href: "/console/health",
      action: t("failingRefreshesAction"),
      accounts: failing.sample.map((a) => ({ ...a, detail: a.errcode !== null ? t("errcode", { errcode: a.errcode }) : undefined })),
      more: failing.count - failing.sample.length,
    });
  }
  if (ticket.stale) {
    items.push({
      kind: "ticket_stale",
      tone: "bad",
      text: ticket.receivedAt ? t("ticketStale") : t("ticketNever"),
      href: "/console/health",
      action: t("ticketAction"),
    });
  }
  const hooks: [kind: string, count: number, tone: Item["tone"]][] = [
    ["failing_endpoints", webhooks.failingEndpoints, "bad"],
    ["disabled_endpoints", webhooks.disabledEndpoints, "warn"],
    ["pending_deliveries", webhooks.pendingDeliveries, "warn"],
    ["failed_deliveries", webhooks.failedDeliveries, "bad"],
  ];
  for (const [kind, count, tone] of hooks) {
    if (count > 0) items.push({ kind, tone, text: t(kind, { count }), href: "/console/webhooks", action: t("webhooksAction") });
  }
  return items;
}

export default async function ConsoleOverviewPage() {
  const t = await getTranslations("console.overview");
  const format = await getFormatter();
  const overview = await loadOverview();
  const items = await attentionItems(overview);
  const when = timeWriter(format);
  const activityColumns: Column<Overview["recentAudit"][number]>[] = [
    { header: t("activity.time"), className: "small nowrap", cell: (a) => when(a.createdAt) },
    { header: t("activity.action"), className: "small", cell: (a) => <AuditAction action={a.action} /> },
    { header: t("activity.target"), className: "small", cell: (a) => a.target ?? "—" },
  ];
  const healthy = allHealthy(overview.attention);
  return (
    <>
      <h1>{t("title")}</h1>
      <section className={`card attention ${healthy ? "ok" : "bad"}`} aria-labelledby="attention-title" data-testid="attention">
        <h2 id="attention-title">{healthy ? t("healthy") : t("needsYou", { count: items.length })}</h2>
        {healthy ? (
          <p className="muted" data-testid="all-healthy">
            {t("healthyExplain")}
          </p>
        ) : (
          <ul className="attention-list">
            {items.map((item) => (
              <li key={item.kind} data-testid="attention-item" data-kind={item.kind}>
                <span className={`badge ${item.tone}`}>{item.tone === "bad" ? t("tone.bad") : t("tone.warn")}</span>{" "}
                <span className="attention-text">{item.text}</span>{" "}
                <Link href={item.href} data-testid="attention-link">
                  {item.action}
                </Link>
                {item.accounts && item.accounts.length > 0 ? (
                  <ul className="small attention-accounts">
                    {item.accounts.map((account) => (
                      <li key={account.appid}>
                        <Link href={`/console/authorizers/${account.appid}`}>{account.nickName ?? account.appid}</Link>{" "}
                        <code className="muted">{account.appid}</code>
                        {account.detail ? <span className="muted"> · {account.detail}</span> : null}
                      </li>
                    ))}
                    {item.more ? <li className="muted">{t("more", { count: item.more })}</li> : null}
                  </ul>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      <div className="grid section">
        <section className="card">
          <h2>{t("component")}</h2>
          <p>
            <code>{overview.componentAppid}</code>
          </p>
        </section>
        <section className="card">
          <h2>{t("ticket")}</h2>
          <p className="small muted">
            <code>component_verify_ticket</code>
          </p>
          <p className="muted">{overview.ticketReceivedAt ? t("ticketAt", { time: when(overview.ticketReceivedAt) }) : t("ticketNever")}</p>
        </section>
        <section className="card">
          <h2>{t("token")}</h2>
          <p className="small muted">
            <code>component_access_token</code>
          </p>
          <p className="muted">{overview.tokenExpiresAt ? t("tokenExpires", { time: when(overview.tokenExpiresAt) }) : t("tokenNone")}</p>
        </section>
      </div>
      <section className="card section">
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
      <section className="card section">
        <h2>{t("recentActivity")}</h2>
        <DataTable
          columns={activityColumns}
          rows={overview.recentAudit}
          rowKey={(a) => a.id}
          empty={t("noActivity")}
          frame="scroll"
          testId="recent-activity"
        />
        <p className="small">
          <Link href="/console/audit">{t("allActivity")}</Link>
        </p>
      </section>
    </>
  );
}
