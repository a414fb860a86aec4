// /console/api-keys — keys for the token centre (/api/v1): everyone sees which exist and when they
// were last used; only admins create (the key is shown once) and revoke.
import { getFormatter, getTranslations } from "next-intl/server";
import { CreateApiKeyForm, RevokeApiKeyButton } from "@/components/console/api-key-forms";
import { requireStaff } from "@/lib/auth/session";
import { mayRun } from "@/lib/console/permissions";
import { listApiKeys } from "@/lib/token-centre/api-keys";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

export const dynamic = "force-dynamic";

export default async function ApiKeysPage() {
  const staff = await requireStaff();
  const [keys, t, format] = await Promise.all([listApiKeys(), getTranslations("console.apiKeys"), getFormatter()]);
  const canManage = mayRun(staff.role, "api_key.create");
  const when = (d: Date | null) => (d ? format.dateTime(d, { dateStyle: "medium", timeStyle: "short" }) : "—");
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      {canManage ? (
        <CreateApiKeyForm createKey={createApiKeyAction} />
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
                <th scope="col">{t("columns.createdAt")}</th>
                <th scope="col">{t("columns.lastUsedAt")}</th>
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
                  <td className="small nowrap">{when(key.createdAt)}</td>
                  <td className="small nowrap">{key.lastUsedAt ? when(key.lastUsedAt) : t("neverUsed")}</td>
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
