// /console/api-keys — keys for the token centre (/api/v1): everyone sees which exist, what each
// may read (its scope), when it was last used and what it took for which authorizer; only admins
// create (the key is shown once) and revoke.
import { getFormatter, getTranslations } from "next-intl/server";
import { CreateApiKeyForm, RevokeApiKeyButton } from "@/components/console/api-key-forms";
import { DataTable, type Column } from "@/components/console/data-table";
import { requireStaff } from "@/lib/auth/session";
import { timeWriter, type When } from "@/lib/console/format";
import { mayRun } from "@/lib/console/permissions";
import {
  listApiKeys,
  summarizeApiKeyUsage,
  type ApiKeySummary,
  type ApiKeyUsage,
  type ApiKeyUsageSummary,
} from "@/lib/token-centre/api-keys";
import { DEFAULT_CONSOLE_SCOPE, type ApiKeyScope } from "@/lib/token-centre/scopes";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

export const dynamic = "force-dynamic";

/** Listed authorizers shown by appid before the rest are counted. */
const SHOWN_APPIDS = 5;
/** (target, kind) pairs shown per key. */
const TOP_USAGE = 10;

type T = Awaited<ReturnType<typeof getTranslations<"console.apiKeys">>>;

function ScopeBadges({ scope, t, hubLabel }: { scope: ApiKeyScope; t: T; hubLabel: string }) {
  const listed = scope.authorizers === "all" ? [] : scope.authorizers;
  return (
    <span className="badges" data-testid="api-key-scope-badges">
      {scope.component ? <span className="badge set">{t("scopeWords.component")}</span> : null}
      {scope.authorizers === "all" ? <span className="badge set">{t("scopeWords.allAuthorizers")}</span> : null}
      {listed.slice(0, SHOWN_APPIDS).map((appid) => (
        <span key={appid} className="badge set">
          <code>{appid}</code>
        </span>
      ))}
      {listed.length > SHOWN_APPIDS ? (
        <span className="badge muted-badge" title={listed.join(", ")}>
          {t("scopeWords.more", { count: listed.length - SHOWN_APPIDS })}
        </span>
      ) : null}
      {scope.authorizers !== "all" && listed.length === 0 ? (
        <span className="badge muted-badge">{t("scopeWords.noAuthorizers")}</span>
      ) : null}
      {scope.hub ? <span className="badge set">{hubLabel}</span> : null}
      <span className={`badge ${scope.readOnly ? "ok" : "warn"}`}>{scope.readOnly ? t("scopeWords.readOnly") : t("scopeWords.write")}</span>
    </span>
  );
}

function UsageDetails({ usage, t, when }: { usage: ApiKeyUsageSummary | undefined; t: T; when: When }) {
  if (!usage) return <span className="muted small">{t("handedOut.none")}</span>;
  const columns: Column<ApiKeyUsage>[] = [
    {
      header: t("handedOut.target"),
      cell: (row) => (
        <>
          <code>{row.target}</code>
          {row.targetName ? <span className="muted"> {row.targetName}</span> : null}
        </>
      ),
    },
    { header: t("handedOut.kind"), className: "nowrap", cell: (row) => t(`handedOut.kinds.${row.kind}`) },
    { header: t("handedOut.count"), cell: (row) => row.count },
    { header: t("handedOut.last"), className: "nowrap", cell: (row) => when(row.lastAt) },
  ];
  return (
    <details data-testid="api-key-usage">
      <summary className="small">{t("handedOut.summary", { issued: usage.issued, targets: usage.targets })}</summary>
      <DataTable
        className="small"
        columns={columns}
        rows={usage.top}
        rowKey={(row) => `${row.target}:${row.kind}`}
        rowData={(row) => ({ "data-testid": "api-key-usage-row", "data-target": row.target, "data-kind": row.kind })}
      />
      {usage.top.length < usage.targets ? <p className="muted small">{t("handedOut.cliHint")}</p> : null}
    </details>
  );
}

export default async function ApiKeysPage() {
  const staff = await requireStaff();
  const [keys, usage, t, hubT, format] = await Promise.all([
    listApiKeys(),
    summarizeApiKeyUsage({ top: TOP_USAGE }),
    getTranslations("console.apiKeys"),
    getTranslations("hubApi.keyForm"),
    getFormatter(),
  ]);
  const canManage = mayRun(staff.role, "api_key.create");
  const when = timeWriter(format, "minute");
  const columns: Column<ApiKeySummary>[] = [
    { header: t("columns.name"), cell: (key) => key.name },
    { header: t("columns.prefix"), cell: (key) => <code>{key.prefix}…</code> },
    { header: t("columns.scope"), cell: (key) => <ScopeBadges scope={key.scope} t={t} hubLabel={hubT("badge")} /> },
    { header: t("columns.createdAt"), className: "small nowrap", cell: (key) => when(key.createdAt) },
    { header: t("columns.lastUsedAt"), className: "small nowrap", cell: (key) => (key.lastUsedAt ? when(key.lastUsedAt) : t("neverUsed")) },
    { header: t("columns.usage"), cell: (key) => <UsageDetails usage={usage.get(key.id)} t={t} when={when} /> },
    {
      header: t("columns.status"),
      cell: (key) =>
        key.revokedAt ? (
          <span className="badge bad">{t("revokedAt", { time: when(key.revokedAt) })}</span>
        ) : (
          <span className="badge ok">{t("active")}</span>
        ),
    },
  ];
  if (canManage) {
    columns.push({
      cell: (key) =>
        key.revokedAt ? null : (
          <RevokeApiKeyButton
            id={key.id}
            label={t("revoke")}
            confirm={t("revokeConfirm", { name: key.name })}
            revokeKey={revokeApiKeyAction}
          />
        ),
    });
  }
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      {canManage ? (
        <CreateApiKeyForm createKey={createApiKeyAction} defaults={DEFAULT_CONSOLE_SCOPE} />
      ) : (
        <p className="muted small" data-testid="read-only-note">
          {t("adminOnly")}
        </p>
      )}
      <DataTable
        columns={columns}
        rows={keys}
        rowKey={(key) => key.id}
        rowData={(key) => ({ "data-testid": "api-key-row", "data-prefix": key.prefix })}
        empty={t("none")}
        frame="card"
        testId="api-keys-table"
      />
    </>
  );
}
