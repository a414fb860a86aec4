// /console/links — make authorization links (PC / H5 / QR) and follow every attempt's status.
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import Link from "next/link";
import { AutoRefresh } from "@/components/console/auto-refresh";
import { LinkForm } from "@/components/console/link-form";
import { requireStaff } from "@/lib/auth/session";
import { ATTEMPT_FILTERS, listAttempts, type AttemptFilter } from "@/lib/console/links";
import { mayRun } from "@/lib/console/permissions";
import { listPermissionSets, type PermissionSetLocale } from "@/lib/wechat/permission-sets";
import { createLinkAction } from "./actions";

export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const STATUS_TONE: Record<AttemptFilter, string> = { pending: "warn", completed: "ok", expired: "", failed: "bad", cancelled: "" };

export default async function LinksPage({ searchParams }: { searchParams: SearchParams }) {
  const staff = await requireStaff();
  const params = await searchParams;
  const status = ATTEMPT_FILTERS.find((s) => s === params.status);
  const beforeParam = typeof params.before === "string" ? new Date(params.before) : undefined;
  const before = beforeParam && !Number.isNaN(beforeParam.getTime()) ? beforeParam : undefined;
  const [{ rows, nextBefore }, t, format, locale] = await Promise.all([
    listAttempts({ status, before }),
    getTranslations("console.links"),
    getFormatter(),
    getLocale(),
  ]);
  const statusLabel = await getTranslations("console.attemptStatus");
  const types = await getTranslations("console.authType");
  const setLocale: PermissionSetLocale = locale === "en" ? "en" : "zh-CN";
  const groups = [
    { label: t("form.setsOfficial"), accountType: "official_account" as const },
    { label: t("form.setsMiniProgram"), accountType: "mini_program" as const },
  ].map((group) => ({
    label: group.label,
    sets: listPermissionSets({ accountType: group.accountType })
      .filter((set) => set.source === "official_current")
      .map((set) => ({ id: set.id, name: setLocale === "en" ? set.nameEn : set.nameZh })),
  }));
  const when = (d: Date | null) => (d ? format.dateTime(d, { dateStyle: "medium", timeStyle: "short" }) : "—");
  const filterHref = (value?: AttemptFilter) => (value ? `/console/links?status=${value}` : "/console/links");

  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      {mayRun(staff.role, "link.create") ? (
        <LinkForm groups={groups} createLink={createLinkAction} />
      ) : (
        <p className="muted small">{t("readOnly")}</p>
      )}

      <section className="section">
        <h2>{t("attempts")}</h2>
        <nav className="chips" aria-label={t("filterLabel")}>
          <Link href={filterHref()} aria-current={!status ? "page" : undefined}>
            {t("all")}
          </Link>
          {ATTEMPT_FILTERS.map((value) => (
            <Link key={value} href={filterHref(value)} aria-current={status === value ? "page" : undefined}>
              {statusLabel(value)}
            </Link>
          ))}
        </nav>
        {rows.length === 0 ? (
          <p className="card muted">{t("none")}</p>
        ) : (
          <div className="table-scroll card flush">
            <table data-testid="attempts-table">
              <thead>
                <tr>
                  <th scope="col">{t("columns.createdAt")}</th>
                  <th scope="col">{t("columns.status")}</th>
                  <th scope="col">{t("columns.authType")}</th>
                  <th scope="col">{t("columns.bizAppid")}</th>
                  <th scope="col">{t("columns.sets")}</th>
                  <th scope="col">{t("columns.authorizer")}</th>
                  <th scope="col">{t("columns.createdBy")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id} data-testid="attempt-row" data-attempt={row.id}>
                    <td className="nowrap">
                      <Link href={`/console/links/${row.id}`}>{when(row.createdAt)}</Link>
                    </td>
                    <td>
                      <span className={`badge ${STATUS_TONE[row.status]}`}>{statusLabel(row.status)}</span>
                    </td>
                    <td className="small">
                      {row.authType} · {types(String(row.authType))}
                    </td>
                    <td className="small">{row.bizAppid ? <code>{row.bizAppid}</code> : "—"}</td>
                    <td className="small">{row.permissionSetIds.length > 0 ? row.permissionSetIds.join("|") : t("allSets")}</td>
                    <td className="small">
                      {row.authorizerAppid ? (
                        <Link href={`/console/authorizers/${row.authorizerAppid}`}>{row.authorizerName ?? row.authorizerAppid}</Link>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td className="small">{row.createdBy ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {nextBefore ? (
          <nav className="pager">
            <span />
            <Link
              className="button secondary"
              href={`/console/links?${new URLSearchParams({ ...(status ? { status } : {}), before: nextBefore.toISOString() })}`}
            >
              {t("older")}
            </Link>
          </nav>
        ) : null}
      </section>
      <AutoRefresh seconds={5} />
    </>
  );
}
