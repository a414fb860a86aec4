// /console/authorizers — every account that authorized the platform: search, filters, sort and
// keyset pages are all query-string driven (a plain GET form), rendered on the server.
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import Link from "next/link";
import { AutoRefresh } from "@/components/console/auto-refresh";
import { Avatar } from "@/components/console/avatar";
import { KindLabel, StatusBadge, TokenHealthCell, VerificationLabel } from "@/components/console/authorizer-labels";
import { PermissionSetBadges } from "@/components/console/permission-set-badges";
import { requireStaff } from "@/lib/auth/session";
import { ACCOUNT_KINDS } from "@/lib/console/authorizer-labels";
import { LIST_SORTS, PAGE_SIZES, listAuthorizers, parseListQuery, type ListQuery } from "@/lib/console/authorizer-list";
import { mayRun } from "@/lib/console/permissions";
import { AUTHORIZER_STATUSES } from "@/lib/console/statuses";
import { listPermissionSets, type PermissionSetLocale } from "@/lib/wechat/permission-sets";

export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The current filters as a query string, with a cursor (or none, for the first page). */
function hrefWith(query: ListQuery, cursor: { after?: string; before?: string } = {}): string {
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  if (query.kind) params.set("kind", query.kind);
  if (query.status) params.set("status", query.status);
  if (query.set !== undefined) params.set("set", String(query.set));
  if (query.sort !== "authorized_desc") params.set("sort", query.sort);
  if (query.size !== 50) params.set("size", String(query.size));
  if (cursor.after) params.set("after", cursor.after);
  if (cursor.before) params.set("before", cursor.before);
  const search = params.toString();
  return `/console/authorizers${search ? `?${search}` : ""}`;
}

export default async function AuthorizersPage({ searchParams }: { searchParams: SearchParams }) {
  const staff = await requireStaff();
  const query = parseListQuery(await searchParams);
  const now = new Date();
  const [page, t, format, locale] = await Promise.all([
    listAuthorizers(query, { now }),
    getTranslations("console.authorizers"),
    getFormatter(),
    getLocale(),
  ]);
  const statusLabel = await getTranslations("console.status");
  const kindLabel = await getTranslations("console.kind");
  const setLocale: PermissionSetLocale = locale === "en" ? "en" : "zh-CN";
  const setGroups = [
    { label: t("setsOfficial"), sets: listPermissionSets({ accountType: "official_account" }) },
    { label: t("setsMiniProgram"), sets: listPermissionSets({ accountType: "mini_program" }) },
  ];
  const filtered = !!(query.q || query.kind || query.status || query.set !== undefined);
  return (
    <>
      <div className="page-head">
        <h1>{t("title")}</h1>
        {mayRun(staff.role, "authorizer.sync") ? (
          <Link className="button secondary" href="/console/authorizers/sync">
            {t("syncLink")}
          </Link>
        ) : null}
      </div>

      <form className="filters card" method="get" action="/console/authorizers" role="search" aria-label={t("filtersLabel")}>
        <label className="field grow">
          <span>{t("search")}</span>
          <input type="search" name="q" defaultValue={query.q ?? ""} placeholder={t("searchPlaceholder")} />
        </label>
        <label className="field">
          <span>{t("kind")}</span>
          <select name="kind" defaultValue={query.kind ?? ""}>
            <option value="">{t("any")}</option>
            {ACCOUNT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {kindLabel(kind)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("status")}</span>
          <select name="status" defaultValue={query.status ?? ""}>
            <option value="">{t("any")}</option>
            {AUTHORIZER_STATUSES.map((status) => (
              <option key={status} value={status}>
                {statusLabel(status)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("permissionSet")}</span>
          <select name="set" defaultValue={query.set === undefined ? "" : String(query.set)}>
            <option value="">{t("any")}</option>
            {setGroups.map((group) => (
              <optgroup key={group.label} label={group.label}>
                {group.sets.map((set) => (
                  <option key={set.id} value={set.id}>
                    {set.id} · {setLocale === "en" ? set.nameEn : set.nameZh}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("sort")}</span>
          <select name="sort" defaultValue={query.sort}>
            {LIST_SORTS.map((sort) => (
              <option key={sort} value={sort}>
                {t(`sorts.${sort}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("pageSize")}</span>
          <select name="size" defaultValue={String(query.size)}>
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
        <div className="filter-buttons">
          <button className="button" type="submit">
            {t("apply")}
          </button>
          {filtered ? (
            <Link className="button secondary" href="/console/authorizers">
              {t("reset")}
            </Link>
          ) : null}
        </div>
      </form>

      <p className="muted" data-testid="authorizer-total">
        {page.totalCapped ? t("totalCapped", { count: page.total }) : t("total", { count: page.total })}
      </p>

      {page.rows.length === 0 ? (
        <p className="card muted" data-testid="authorizers-empty">
          {filtered ? t("noMatch") : t("empty")}
        </p>
      ) : (
        <div className="table-scroll card flush">
          <table className="authorizers" data-testid="authorizers-table">
            <thead>
              <tr>
                <th scope="col">{t("columns.account")}</th>
                <th scope="col">{t("columns.kind")}</th>
                <th scope="col">{t("columns.principal")}</th>
                <th scope="col">{t("columns.verification")}</th>
                <th scope="col">{t("columns.status")}</th>
                <th scope="col">{t("columns.permissionSets")}</th>
                <th scope="col">{t("columns.token")}</th>
                <th scope="col">{t("columns.authorizedAt")}</th>
              </tr>
            </thead>
            <tbody>
              {page.rows.map((row) => (
                <tr key={row.appid} data-testid="authorizer-row" data-appid={row.appid}>
                  <td data-label={t("columns.account")}>
                    <div className="account-cell">
                      <Avatar src={row.headImg} name={row.nickName} />
                      <div>
                        <Link href={`/console/authorizers/${row.appid}`} className="account-name" data-testid="authorizer-name">
                          {row.nickName ?? t("unnamed")}
                        </Link>
                        <div className="small muted">
                          <code>{row.appid}</code>
                        </div>
                      </div>
                    </div>
                  </td>
                  <td className="nowrap" data-label={t("columns.kind")}>
                    <KindLabel kind={row.kind} />
                  </td>
                  <td className="small principal-cell" data-label={t("columns.principal")}>
                    {row.principalName ?? "—"}
                  </td>
                  <td className="small nowrap" data-label={t("columns.verification")}>
                    <VerificationLabel verification={row.verification} />
                  </td>
                  <td className="nowrap" data-label={t("columns.status")}>
                    <StatusBadge status={row.status} />
                  </td>
                  <td className="sets-cell" data-label={t("columns.permissionSets")}>
                    <PermissionSetBadges
                      ids={row.permissionSetIds}
                      locale={setLocale}
                      max={4}
                      moreLabel={(count) => t("moreSets", { count })}
                    />
                  </td>
                  <td data-label={t("columns.token")}>
                    <TokenHealthCell token={row.token} now={now} />
                  </td>
                  <td className="small nowrap" data-label={t("columns.authorizedAt")}>
                    {format.dateTime(row.authorizedAt, { dateStyle: "medium", timeStyle: "short" })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <nav className="pager" aria-label={t("pagination")}>
        {page.prev ? (
          <Link className="button secondary" href={hrefWith(query, { before: page.prev })} rel="prev">
            {t("previous")}
          </Link>
        ) : (
          <span />
        )}
        {page.next ? (
          <Link className="button secondary" href={hrefWith(query, { after: page.next })} rel="next">
            {t("next")}
          </Link>
        ) : null}
      </nav>
      {/* Revocations and new authorizations arrive as pushes: show them within seconds. */}
      <AutoRefresh seconds={4} />
    </>
  );
}
