// The account's credential: token health, its times and last error with WeChat's advice (never a secret).
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import type { AuthorizerDetail } from "@/lib/console/authorizer-detail";
import { timeWriter } from "@/lib/console/format";
import { classifyErrcode } from "@/lib/wechat/errors";
import { TokenHealthCell } from "../authorizer-labels";

export async function TokenSection({ authorizer, now }: { authorizer: AuthorizerDetail; now: Date }) {
  const [t, format, locale] = await Promise.all([getTranslations("console.detail.token"), getFormatter(), getLocale()]);
  const when = timeWriter(format);
  const credential = authorizer.credential;
  const errorAdvice = credential?.lastErrorCode != null ? classifyErrcode(credential.lastErrorCode) : null;
  return (
    <section className="card section">
      <h2>{t("title")}</h2>
      <TokenHealthCell token={authorizer.token} now={now} />
      {credential ? (
        <dl className="facts">
          <dt>{t("expiresAt")}</dt>
          <dd data-testid="token-expires-at">{when(credential.accessTokenExpiresAt)}</dd>
          <dt>{t("refreshAt")}</dt>
          <dd>{when(credential.accessTokenRefreshAt)}</dd>
          <dt>{t("lastRefreshedAt")}</dt>
          <dd data-testid="token-last-refreshed">{when(credential.lastRefreshedAt)}</dd>
          <dt>{t("refreshToken")}</dt>
          <dd>{credential.hasRefreshToken ? t("stored") : t("notStored")}</dd>
          <dt>{t("jsapiTicket")}</dt>
          <dd>{when(credential.jsapiTicketExpiresAt)}</dd>
          <dt>{t("version")}</dt>
          <dd>{credential.version}</dd>
          <dt>{t("disabledAt")}</dt>
          <dd>{when(credential.disabledAt)}</dd>
          <dt>{t("lastError")}</dt>
          <dd>
            {credential.lastError ? (
              <>
                {credential.lastErrorCode !== null ? <code>{credential.lastErrorCode}</code> : null} {credential.lastError}{" "}
                <span className="muted small">({when(credential.lastErrorAt)})</span>
                {errorAdvice ? <div className="small">{locale === "en" ? errorAdvice.action : errorAdvice.actionZh}</div> : null}
              </>
            ) : (
              "—"
            )}
          </dd>
        </dl>
      ) : (
        <p className="muted">{t("none")}</p>
      )}
      <p className="small muted">{t("secretsNote")}</p>
    </section>
  );
}
