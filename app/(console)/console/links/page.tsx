// /console/links — make authorization links (PC / H5 / QR) and follow every attempt's status.
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import Link from "next/link";
import { AutoRefresh } from "@/components/console/auto-refresh";
import { DataTable, type Column } from "@/components/console/data-table";
import { LinkForm } from "@/components/console/link-form";
import { Pager } from "@/components/console/pager";
import { PermissionSetNames } from "@/components/console/permission-set-names";
import { requireStaff } from "@/lib/auth/session";
import { timeWriter } from "@/lib/console/format";
import { ATTEMPT_FILTERS, listAttempts, type AttemptFilter, type AttemptRow } from "@/lib/console/links";
import { permissionSetGroups, permissionSetLocale } from "@/lib/console/permission-set-groups";
import { mayRun } from "@/lib/console/permissions";
import type { SearchParams } from "@/lib/console/query-params";
import { createLinkAction } from "./actions";

export const dynamic = "force-dynamic";

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
  // A new link may ask only for the sets WeChat publishes now.
  const groups = permissionSetGroups({ locale: permissionSetLocale(locale), offeredOnly: true });
  const when = timeWriter(format, "minute");
  const filterHref = (value?: AttemptFilter) => (value ? `/console/links?status=${value}` : "/console/links");
  const columns: Column<AttemptRow>[] = [
    {
      header: t("columns.createdAt"),
      className: "nowrap",
      cell: (row) => <Link href={`/console/links/${row.id}`}>{when(row.createdAt)}</Link>,
    },
    { header: t("columns.status"), cell: (row) => <span className={`badge ${STATUS_TONE[row.status]}`}>{statusLabel(row.status)}</span> },
    {
      header: t("columns.authType"),
      className: "small",
      cell: (row) => (
        <>
          {types(String(row.authType))} <span className="muted">({row.authType})</span>
        </>
      ),
    },
    { header: t("columns.bizAppid"), className: "small", cell: (row) => (row.bizAppid ? <code>{row.bizAppid}</code> : "—") },
    {
      header: t("columns.merchantRef"),
      className: "small",
      cell: (row) => (row.merchantRef ? <code data-testid="attempt-merchant-ref">{row.merchantRef}</code> : "—"),
    },
    {
      header: t("columns.sets"),
      className: "small",
      cell: (row) => <PermissionSetNames ids={row.permissionSetIds} locale={permissionSetLocale(locale)} none={t("allSets")} />,
    },
    {
      header: t("columns.authorizer"),
      className: "small",
      cell: (row) =>
        row.authorizerAppid ? (
          <Link href={`/console/authorizers/${row.authorizerAppid}`}>{row.authorizerName ?? row.authorizerAppid}</Link>
        ) : (
          "—"
        ),
    },
    { header: t("columns.createdBy"), className: "small", cell: (row) => row.createdBy ?? "—" },
  ];

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
        <DataTable
          columns={columns}
          rows={rows}
          rowKey={(row) => row.id}
          rowData={(row) => ({ "data-testid": "attempt-row", "data-attempt": row.id })}
          empty={t("none")}
          frame="card"
          testId="attempts-table"
        />
        {nextBefore ? (
          <Pager
            next={{
              href: `/console/links?${new URLSearchParams({ ...(status ? { status } : {}), before: nextBefore.toISOString() })}`,
              label: t("older"),
            }}
          />
        ) : null}
      </section>
      <AutoRefresh seconds={5} />
    </>
  );
}
