// /console/authorizers — every account that authorized the platform: search, filters, sort and
// keyset pages are all query-string driven (a plain GET form), rendered on the server.
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import Link from "next/link";
import { AutoRefresh } from "@/components/console/auto-refresh";
import { Avatar } from "@/components/console/avatar";
import { KindLabel, StatusBadge, TokenHealthCell, VerificationLabel } from "@/components/console/authorizer-labels";
import { DataTable, type Column } from "@/components/console/data-table";
import { FilterField, FilterForm, FilterSelect } from "@/components/console/filter-form";
import { Pager } from "@/components/console/pager";
import { PermissionSetBadges } from "@/components/console/permission-set-badges";
import { requireStaff } from "@/lib/auth/session";
import { ACCOUNT_KINDS } from "@/lib/console/authorizer-labels";
import {
  LIST_SORTS,
  PAGE_SIZES,
  isFiltered,
  listAuthorizers,
  listHref,
  parseListQuery,
  type AuthorizerRow,
  type ListQuery,
} from "@/lib/console/authorizer-list";
import { timeWriter } from "@/lib/console/format";
import { offeredPermissionSets, permissionSetGroups, permissionSetLocale } from "@/lib/console/permission-set-groups";
import { mayRun } from "@/lib/console/permissions";
import type { SearchParams } from "@/lib/console/query-params";
import { AUTHORIZER_STATUSES } from "@/lib/console/statuses";
import { permissionSetName } from "@/lib/wechat/permission-sets";

export const dynamic = "force-dynamic";

/** The search and filters above the list; a choice applies on "filter", and "reset" shows once something is narrowed. */
async function AuthorizerFilters({ query, locale }: { query: ListQuery; locale: string }) {
  const t = await getTranslations("console.authorizers");
  const statusLabel = await getTranslations("console.status");
  const kindLabel = await getTranslations("console.kind");
  const groupLabel = await getTranslations("console.setGroup");
  const setFor = await getTranslations("console.setFor");
  // The filter finds accounts holding any known set, legacy ones included: grouped by account type, a
  // name both types have says whose this one is (a closed select shows no group), the id as a detail.
  const setGroups = permissionSetGroups({ locale: permissionSetLocale(locale), offeredOnly: false }).map((group) => ({
    label: groupLabel(group.accountType),
    options: group.sets.map((set) => ({
      value: set.id,
      label: `${[set.name, set.sharedName ? setFor(group.accountType) : null, set.legacy ? t("legacySet") : null].filter(Boolean).join(" · ")} (${set.id})`,
    })),
  }));
  return (
    <FilterForm
      action="/console/authorizers"
      role="search"
      label={t("filtersLabel")}
      apply={t("apply")}
      reset={isFiltered(query) ? t("reset") : null}
    >
      <FilterField label={t("search")} grow>
        <input type="search" name="q" defaultValue={query.q ?? ""} placeholder={t("searchPlaceholder")} />
      </FilterField>
      <FilterField label={t("merchantRef")}>
        <input name="merchant" defaultValue={query.merchant ?? ""} maxLength={128} placeholder={t("merchantRefPlaceholder")} />
      </FilterField>
      <FilterSelect
        label={t("kind")}
        name="kind"
        value={query.kind}
        anyLabel={t("any")}
        options={ACCOUNT_KINDS.map((kind) => ({ value: kind, label: kindLabel(kind) }))}
      />
      <FilterSelect
        label={t("status")}
        name="status"
        value={query.status}
        anyLabel={t("any")}
        options={AUTHORIZER_STATUSES.map((status) => ({ value: status, label: statusLabel(status) }))}
      />
      <FilterSelect
        label={t("permissionSet")}
        name="set"
        value={query.set === undefined ? undefined : String(query.set)}
        anyLabel={t("any")}
        groups={setGroups}
      />
      <FilterSelect
        label={t("sort")}
        name="sort"
        value={query.sort}
        options={LIST_SORTS.map((sort) => ({ value: sort, label: t(`sorts.${sort}`) }))}
      />
      <FilterSelect
        label={t("pageSize")}
        name="size"
        value={String(query.size)}
        options={PAGE_SIZES.map((size) => ({ value: size, label: String(size) }))}
      />
    </FilterForm>
  );
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
  const when = timeWriter(format, "minute");
  const missingSets = (row: AuthorizerRow) =>
    row.status === "authorized" || row.status === "updated"
      ? offeredPermissionSets(row.accountType)
          .map((set) => set.id)
          .filter((id) => !row.permissionSetIds.includes(id))
      : [];
  const columns: Column<AuthorizerRow>[] = [
    {
      header: t("columns.account"),
      cell: (row) => (
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
      ),
    },
    {
      header: t("columns.kind"),
      className: "kind-cell",
      cell: (row) => (
        <>
          <KindLabel kind={row.kind} />
          <div className="small">
            <VerificationLabel verification={row.verification} />
          </div>
        </>
      ),
    },
    { header: t("columns.principal"), className: "small principal-cell", cell: (row) => row.principalName ?? "—" },
    { header: t("columns.status"), className: "nowrap", cell: (row) => <StatusBadge status={row.status} /> },
    {
      header: t("columns.permissionSets"),
      className: "sets-cell",
      cell: (row) => {
        const missing = missingSets(row);
        return (
          <>
            <PermissionSetBadges
              ids={row.permissionSetIds}
              locale={permissionSetLocale(locale)}
              max={4}
              moreLabel={(count) => t("moreSets", { count })}
            />
            {missing.length > 0 ? (
              // As the account's page counts them: sets WeChat publishes for its type that it has not granted.
              <div className="small">
                <Link
                  href={`/console/authorizers/${row.appid}#reauthorization`}
                  className="badge warn missing-sets"
                  data-testid="missing-sets"
                  data-count={missing.length}
                  title={missing.map((id) => `${permissionSetName(id, permissionSetLocale(locale))} (${id})`).join("、")}
                >
                  {t("missingSets", { count: missing.length })}
                </Link>
              </div>
            ) : null}
          </>
        );
      },
    },
    {
      header: t("columns.merchantRef"),
      className: "small",
      cell: (row) => (row.merchantRef ? <code data-testid="authorizer-merchant-ref">{row.merchantRef}</code> : "—"),
    },
    { header: t("columns.token"), cell: (row) => <TokenHealthCell token={row.token} now={now} /> },
    { header: t("columns.authorizedAt"), className: "small date-cell", cell: (row) => when(row.authorizedAt) },
  ];
  const filtered = isFiltered(query);
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

      <AuthorizerFilters query={query} locale={locale} />

      <p className="muted" data-testid="authorizer-total">
        {page.totalCapped ? t("totalCapped", { count: page.total }) : t("total", { count: page.total })}
      </p>

      <DataTable
        columns={columns}
        rows={page.rows}
        rowKey={(row) => row.appid}
        rowData={(row) => ({ "data-testid": "authorizer-row", "data-appid": row.appid })}
        empty={filtered ? t("noMatch") : t("empty")}
        emptyTestId="authorizers-empty"
        frame="card"
        labelledCells
        className="authorizers"
        testId="authorizers-table"
      />

      <Pager
        label={t("pagination")}
        previous={page.prev ? { href: listHref(query, { before: page.prev }), label: t("previous") } : null}
        next={page.next ? { href: listHref(query, { after: page.next }), label: t("next") } : null}
      />
      {/* Revocations and new authorizations arrive as pushes: show them within seconds. */}
      <AutoRefresh seconds={4} />
    </>
  );
}
