// /console/audit — every staff action, credential event and authorization, newest first.
import { getFormatter, getTranslations } from "next-intl/server";
import Link from "next/link";
import { AuditAction } from "@/components/console/audit-action";
import { AuditDetails } from "@/components/console/audit-details";
import { DataTable, type Column } from "@/components/console/data-table";
import { FilterField, FilterForm, FilterSelect } from "@/components/console/filter-form";
import { Pager } from "@/components/console/pager";
import { requireStaff } from "@/lib/auth/session";
import { ACTOR_TYPES, auditQuerySchema, listAudit, type AuditRow } from "@/lib/console/audit-log";
import { timeWriter } from "@/lib/console/format";
import type { SearchParams } from "@/lib/console/query-params";

export const dynamic = "force-dynamic";

const APPID = /^wx[0-9a-fA-F]{16}$/;

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  await requireStaff();
  const query = auditQuerySchema.parse(await searchParams);
  const [{ rows, nextBefore }, t, format] = await Promise.all([listAudit(query), getTranslations("console.audit"), getFormatter()]);
  const actorLabel = await getTranslations("console.timeline.actor");
  const when = timeWriter(format);
  const nextHref = nextBefore
    ? `/console/audit?${new URLSearchParams({ ...(query.action ? { action: query.action } : {}), ...(query.actor ? { actor: query.actor } : {}), ...(query.target ? { target: query.target } : {}), before: nextBefore })}`
    : null;
  const columns: Column<AuditRow>[] = [
    { header: t("time"), className: "small nowrap", cell: (row) => when(row.at) },
    {
      header: t("actor"),
      className: "small",
      cell: (row) => (
        <>
          <span className="badge">{actorLabel(row.actorType)}</span> {row.actor ?? ""}
          {row.ip ? <div className="muted">{row.ip}</div> : null}
        </>
      ),
    },
    { header: t("action"), className: "small", cell: (row) => <AuditAction action={row.action} /> },
    {
      header: t("target"),
      className: "small",
      cell: (row) =>
        row.target && APPID.test(row.target) ? <Link href={`/console/authorizers/${row.target}`}>{row.target}</Link> : (row.target ?? "—"),
    },
    {
      header: t("details"),
      className: "small",
      cell: (row) =>
        row.details && typeof row.details === "object" && Object.keys(row.details).length > 0 ? (
          <AuditDetails details={row.details} />
        ) : (
          "—"
        ),
    },
  ];
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      <FilterForm action="/console/audit" label={t("filtersLabel")} apply={t("apply")} reset={t("reset")}>
        <FilterField label={t("action")} grow>
          <input name="action" defaultValue={query.action ?? ""} placeholder="credential." />
        </FilterField>
        <FilterSelect
          label={t("actor")}
          name="actor"
          value={query.actor}
          anyLabel={t("any")}
          options={ACTOR_TYPES.map((actor) => ({ value: actor, label: actorLabel(actor) }))}
        />
        <FilterField label={t("target")} grow>
          <input name="target" defaultValue={query.target ?? ""} placeholder="wx…" />
        </FilterField>
      </FilterForm>
      <DataTable
        columns={columns}
        rows={rows}
        rowKey={(row) => row.id}
        rowData={(row) => ({ "data-testid": "audit-row", "data-action": row.action })}
        empty={t("none")}
        frame="card"
        testId="audit-table"
      />
      {nextHref ? <Pager next={{ href: nextHref, label: t("older") }} /> : null}
    </>
  );
}
