// /console/audit — every staff action, credential event and authorization, newest first.
import { getFormatter, getTranslations } from "next-intl/server";
import Link from "next/link";
import { AuditAction } from "@/components/console/audit-action";
import { requireStaff } from "@/lib/auth/session";
import { ACTOR_TYPES, auditQuerySchema, listAudit } from "@/lib/console/audit-log";

export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const APPID = /^wx[0-9a-fA-F]{16}$/;

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  await requireStaff();
  const query = auditQuerySchema.parse(await searchParams);
  const [{ rows, nextBefore }, t, format] = await Promise.all([listAudit(query), getTranslations("console.audit"), getFormatter()]);
  const actorLabel = await getTranslations("console.timeline.actor");
  const nextHref = nextBefore
    ? `/console/audit?${new URLSearchParams({ ...(query.action ? { action: query.action } : {}), ...(query.actor ? { actor: query.actor } : {}), ...(query.target ? { target: query.target } : {}), before: nextBefore })}`
    : null;
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      <form className="filters card" method="get" action="/console/audit" aria-label={t("filtersLabel")}>
        <label className="field grow">
          <span>{t("action")}</span>
          <input name="action" defaultValue={query.action ?? ""} placeholder="credential." />
        </label>
        <label className="field">
          <span>{t("actor")}</span>
          <select name="actor" defaultValue={query.actor ?? ""}>
            <option value="">{t("any")}</option>
            {ACTOR_TYPES.map((actor) => (
              <option key={actor} value={actor}>
                {actorLabel(actor)}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span>{t("target")}</span>
          <input name="target" defaultValue={query.target ?? ""} placeholder="wx…" />
        </label>
        <div className="filter-buttons">
          <button className="button" type="submit">
            {t("apply")}
          </button>
          <Link className="button secondary" href="/console/audit">
            {t("reset")}
          </Link>
        </div>
      </form>
      {rows.length === 0 ? (
        <p className="card muted">{t("none")}</p>
      ) : (
        <div className="table-scroll card flush">
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">{t("time")}</th>
                <th scope="col">{t("actor")}</th>
                <th scope="col">{t("action")}</th>
                <th scope="col">{t("target")}</th>
                <th scope="col">{t("details")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-testid="audit-row" data-action={row.action}>
                  <td className="small nowrap">{format.dateTime(row.at, { dateStyle: "medium", timeStyle: "medium" })}</td>
                  <td className="small">
                    <span className="badge">{actorLabel(row.actorType)}</span> {row.actor ?? ""}
                    {row.ip ? <div className="muted">{row.ip}</div> : null}
                  </td>
                  <td className="small">
                    <AuditAction action={row.action} />
                  </td>
                  <td className="small">
                    {row.target && APPID.test(row.target) ? (
                      <Link href={`/console/authorizers/${row.target}`}>{row.target}</Link>
                    ) : (
                      (row.target ?? "—")
                    )}
                  </td>
                  <td className="small">
                    {row.details && typeof row.details === "object" && Object.keys(row.details).length > 0 ? (
                      <code className="details-inline">{JSON.stringify(row.details)}</code>
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {nextHref ? (
        <nav className="pager">
          <span />
          <Link className="button secondary" href={nextHref}>
            {t("older")}
          </Link>
        </nav>
      ) : null}
    </>
  );
}
