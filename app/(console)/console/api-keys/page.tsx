// /console/api-keys — keys for the token centre (/api/v1): everyone sees which exist, what each
// may read (its scope), when it was last used and what it took for which authorizer; only admins
// create (the key is shown once) and revoke.
import { getFormatter, getTranslations } from "next-intl/server";
import { CreateApiKeyForm, RevokeApiKeyButton } from "@/components/console/api-key-forms";
import { requireStaff } from "@/lib/auth/session";
import { mayRun } from "@/lib/console/permissions";
import { listApiKeys, summarizeApiKeyUsage, type ApiKeyUsageSummary } from "@/lib/token-centre/api-keys";
import { DEFAULT_CONSOLE_SCOPE, type ApiKeyScope } from "@/lib/token-centre/scopes";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

export const dynamic = "force-dynamic";

/** Listed authorizers shown by appid before the rest are counted. */
const SHOWN_APPIDS = 5;
/** (target, kind) pairs shown per key. */
const TOP_USAGE = 10;

type T = Awaited<ReturnType<typeof getTranslations<"console.apiKeys">>>;
type When = (d: Date | null) => string;

function ScopeBadges({ scope, t }: { scope: ApiKeyScope; t: T }) {
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
      <span className={`badge ${scope.readOnly ? "ok" : "warn"}`}>{scope.readOnly ? t("scopeWords.readOnly") : t("scopeWords.write")}</span>
    </span>
  );
}

function UsageDetails({ usage, t, when }: { usage: ApiKeyUsageSummary | undefined; t: T; when: When }) {
  if (!usage) return <span className="muted small">{t("handedOut.none")}</span>;
  return (
    <details data-testid="api-key-usage">
      <summary className="small">{t("handedOut.summary", { issued: usage.issued, targets: usage.targets })}</summary>
      <table className="small">
        <thead>
          <tr>
            <th scope="col">{t("handedOut.target")}</th>
            <th scope="col">{t("handedOut.kind")}</th>
            <th scope="col">{t("handedOut.count")}</th>
            <th scope="col">{t("handedOut.last")}</th>
          </tr>
        </thead>
        <tbody>
          {usage.top.map((row) => (
            <tr key={`${row.target}:${row.kind}`} data-testid="api-key-usage-row" data-target={row.target} data-kind={row.kind}>
              <td>
                <code>{row.target}</code>
                {row.targetName ? <span className="muted"> {row.targetName}</span> : null}
              </td>
              <td className="nowrap">{t(`handedOut.kinds.${row.kind}`)}</td>
              <td>{row.count}</td>
              <td className="nowrap">{when(row.lastAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {usage.top.length < usage.targets ? <p className="muted small">{t("handedOut.cliHint")}</p> : null}
    </details>
  );
}

export default async function ApiKeysPage() {
  const staff = await requireStaff();
  const [keys, usage, t, format] = await Promise.all([
    listApiKeys(),
    summarizeApiKeyUsage({ top: TOP_USAGE }),
    getTranslations("console.apiKeys"),
    getFormatter(),
  ]);
  const canManage = mayRun(staff.role, "api_key.create");
  const when: When = (d) => (d ? format.dateTime(d, { dateStyle: "medium", timeStyle: "short" }) : "—");
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
      {keys.length === 0 ? (
        <p className="card muted">{t("none")}</p>
      ) : (
        <div className="table-scroll card flush">
          <table data-testid="api-keys-table">
            <thead>
              <tr>
                <th scope="col">{t("columns.name")}</th>
                <th scope="col">{t("columns.prefix")}</th>
                <th scope="col">{t("columns.scope")}</th>
                <th scope="col">{t("columns.createdAt")}</th>
                <th scope="col">{t("columns.lastUsedAt")}</th>
                <th scope="col">{t("columns.usage")}</th>
                <th scope="col">{t("columns.status")}</th>
                {canManage ? <th scope="col" /> : null}
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id} data-testid="api-key-row" data-prefix={key.prefix}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>
                    <ScopeBadges scope={key.scope} t={t} />
                  </td>
                  <td className="small nowrap">{when(key.createdAt)}</td>
                  <td className="small nowrap">{key.lastUsedAt ? when(key.lastUsedAt) : t("neverUsed")}</td>
                  <td>
                    <UsageDetails usage={usage.get(key.id)} t={t} when={when} />
                  </td>
                  <td>
                    {key.revokedAt ? (
                      <span className="badge bad">{t("revokedAt", { time: when(key.revokedAt) })}</span>
                    ) : (
                      <span className="badge ok">{t("active")}</span>
                    )}
                  </td>
                  {canManage ? (
                    <td>
                      {key.revokedAt ? null : (
                        <RevokeApiKeyButton
                          id={key.id}
                          label={t("revoke")}
                          confirm={t("revokeConfirm", { name: key.name })}
                          revokeKey={revokeApiKeyAction}
                        />
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
