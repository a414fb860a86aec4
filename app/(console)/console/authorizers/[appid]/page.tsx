// /console/authorizers/[appid] — one account: profile and QR, permission sets with confirm_info,
// token and credential history (never a secret), timeline, and the operations staff may run.
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AuthorizerActions } from "@/components/console/authorizer-actions";
import { KindLabel, StatusBadge, TokenHealthCell, VerificationLabel } from "@/components/console/authorizer-labels";
import { AuthorizerOptions } from "@/components/console/authorizer-options";
import { Avatar } from "@/components/console/avatar";
import { ReauthorizationForm } from "@/components/console/reauthorization-form";
import { Timeline } from "@/components/console/timeline";
import { requireStaff } from "@/lib/auth/session";
import { loadAttemptsFor, loadAuthorizer, loadCredentialHistory, loadTimeline } from "@/lib/console/authorizer-detail";
import { AUTHORIZER_OPTIONS } from "@/lib/console/authorizer-operations";
import { planReauthorization } from "@/lib/console/links";
import { mayRun } from "@/lib/console/permissions";
import { classifyErrcode } from "@/lib/wechat/errors";
import { permissionSetName, type PermissionSetLocale } from "@/lib/wechat/permission-sets";
import { createReauthorizationLinkAction, readOptionsAction, refreshTokenAction, resyncInfoAction, setOptionAction } from "../actions";

export const dynamic = "force-dynamic";

export default async function AuthorizerPage({ params }: { params: Promise<{ appid: string }> }) {
  const staff = await requireStaff();
  const { appid } = await params;
  const now = new Date();
  // Next hands the segment over decoded; anything that cannot be an appid is simply not found.
  const authorizer = /^[A-Za-z0-9_-]{1,64}$/.test(appid) ? await loadAuthorizer(appid, { now }) : null;
  if (!authorizer) notFound();
  const [history, timeline, attempts, plan, t, format, locale] = await Promise.all([
    loadCredentialHistory(authorizer.appid),
    loadTimeline(authorizer.appid),
    loadAttemptsFor(authorizer.appid),
    planReauthorization(authorizer.appid),
    getTranslations("console.detail"),
    getFormatter(),
    getLocale(),
  ]);
  const attemptStatus = await getTranslations("console.attemptStatus");
  const setLocale: PermissionSetLocale = locale === "en" ? "en" : "zh-CN";
  const when = (d: Date | null) => (d ? format.dateTime(d, { dateStyle: "medium", timeStyle: "medium" }) : "—");
  const canOperate = mayRun(staff.role, "authorizer.refresh_token");
  const active = authorizer.status === "authorized" || authorizer.status === "updated";
  const credential = authorizer.credential;
  const errorAdvice = credential?.lastErrorCode != null ? classifyErrcode(credential.lastErrorCode) : null;

  return (
    <>
      <p className="small">
        <Link href="/console/authorizers">← {t("back")}</Link>
      </p>
      <header className="detail-head">
        <Avatar src={authorizer.headImg} name={authorizer.nickName} size={64} />
        <div className="grow">
          <h1 data-testid="detail-name">{authorizer.nickName ?? t("unnamed")}</h1>
          <p className="muted">
            <code data-testid="detail-appid">{authorizer.appid}</code> · <KindLabel kind={authorizer.kind} /> ·{" "}
            <VerificationLabel verification={authorizer.verification} /> · <StatusBadge status={authorizer.status} />
          </p>
        </div>
        {authorizer.qrcodeUrl && /^https?:\/\//.test(authorizer.qrcodeUrl) ? (
          // WeChat's own QR image of the account (qrcode_url); see Avatar for why it is a plain img.
          // eslint-disable-next-line @next/next/no-img-element
          <img className="account-qr" src={authorizer.qrcodeUrl} alt={t("qrAlt")} width={96} height={96} referrerPolicy="no-referrer" />
        ) : null}
      </header>

      <p className="notice" data-testid="revoke-notice">
        {t("onlyMerchantRevokes")}
      </p>

      {canOperate ? (
        <section className="card section">
          <h2>{t("actions.title")}</h2>
          {active ? (
            <AuthorizerActions appid={authorizer.appid} refreshToken={refreshTokenAction} resyncInfo={resyncInfoAction} />
          ) : (
            <p className="muted">{t("actions.inactive")}</p>
          )}
        </section>
      ) : (
        <p className="muted small" data-testid="read-only-note">
          {t("readOnly")}
        </p>
      )}

      <div className="grid two">
        <section className="card section">
          <h2>{t("info.title")}</h2>
          <dl className="facts">
            <dt>{t("info.principal")}</dt>
            <dd>{authorizer.principalName ?? "—"}</dd>
            <dt>{t("info.userName")}</dt>
            <dd>
              <code>{authorizer.userName ?? "—"}</code>
            </dd>
            <dt>{t("info.alias")}</dt>
            <dd>{authorizer.alias || "—"}</dd>
            <dt>{t("info.signature")}</dt>
            <dd>{authorizer.signature || "—"}</dd>
            <dt>{t("info.serviceType")}</dt>
            <dd>{authorizer.serviceType ?? "—"}</dd>
            <dt>{t("info.verifyType")}</dt>
            <dd>{authorizer.verifyType ?? "—"}</dd>
            {authorizer.miniProgramCategories.length > 0 ? (
              <>
                <dt>{t("info.categories")}</dt>
                <dd>{authorizer.miniProgramCategories.map((c) => `${c.first} / ${c.second}`).join("；")}</dd>
              </>
            ) : null}
            <dt>{t("info.authorizedAt")}</dt>
            <dd>{when(authorizer.authorizedAt)}</dd>
            <dt>{t("info.updatedAt")}</dt>
            <dd>{when(authorizer.updatedAuthorizationAt)}</dd>
            <dt>{t("info.revokedAt")}</dt>
            <dd>{when(authorizer.revokedAt)}</dd>
            <dt>{t("info.statusChangedAt")}</dt>
            <dd>{when(authorizer.statusChangedAt)}</dd>
            <dt>{t("info.syncedAt")}</dt>
            <dd>{when(authorizer.infoSyncedAt)}</dd>
          </dl>
        </section>

        <section className="card section">
          <h2>{t("token.title")}</h2>
          <TokenHealthCell token={authorizer.token} now={now} />
          {credential ? (
            <dl className="facts">
              <dt>{t("token.expiresAt")}</dt>
              <dd data-testid="token-expires-at">{when(credential.accessTokenExpiresAt)}</dd>
              <dt>{t("token.refreshAt")}</dt>
              <dd>{when(credential.accessTokenRefreshAt)}</dd>
              <dt>{t("token.lastRefreshedAt")}</dt>
              <dd data-testid="token-last-refreshed">{when(credential.lastRefreshedAt)}</dd>
              <dt>{t("token.refreshToken")}</dt>
              <dd>{credential.hasRefreshToken ? t("token.stored") : t("token.notStored")}</dd>
              <dt>{t("token.jsapiTicket")}</dt>
              <dd>{when(credential.jsapiTicketExpiresAt)}</dd>
              <dt>{t("token.version")}</dt>
              <dd>{credential.version}</dd>
              <dt>{t("token.disabledAt")}</dt>
              <dd>{when(credential.disabledAt)}</dd>
              <dt>{t("token.lastError")}</dt>
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
            <p className="muted">{t("token.none")}</p>
          )}
          <p className="small muted">{t("token.secretsNote")}</p>
        </section>
      </div>

      <section className="card section">
        <h2>{t("sets.title", { count: authorizer.permissionSets.length })}</h2>
        {authorizer.permissionSets.length === 0 ? (
          <p className="muted">{t("sets.none")}</p>
        ) : (
          <div className="table-scroll">
            <table data-testid="detail-permission-sets">
              <thead>
                <tr>
                  <th scope="col">{t("sets.id")}</th>
                  <th scope="col">{t("sets.name")}</th>
                  <th scope="col">{t("sets.confirm")}</th>
                  <th scope="col">{t("sets.grantedAt")}</th>
                </tr>
              </thead>
              <tbody>
                {authorizer.permissionSets.map((set) => (
                  <tr key={set.id}>
                    <td>{set.id}</td>
                    <td data-testid="permission-set">{permissionSetName(set.id, setLocale)}</td>
                    <td className="small">
                      {set.confirm
                        ? [
                            set.confirm.needConfirm ? t("sets.needConfirm") : t("sets.noConfirmNeeded"),
                            set.confirm.alreadyConfirm ? t("sets.alreadyConfirmed") : null,
                            set.confirm.canConfirm ? t("sets.canConfirm") : null,
                          ]
                            .filter(Boolean)
                            .join(" · ")
                        : "—"}
                    </td>
                    <td className="small">{when(set.grantedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card section">
        <h2>{t("reauthorize.title")}</h2>
        <p className="small muted">{t("reauthorize.explain")}</p>
        {canOperate ? (
          <ReauthorizationForm
            appid={authorizer.appid}
            authType={plan.authType}
            sets={[...plan.granted.map((id) => ({ id, granted: true })), ...plan.missing.map((id) => ({ id, granted: false }))]
              .sort((a, b) => a.id - b.id)
              .map((s) => ({ ...s, name: permissionSetName(s.id, setLocale) }))}
            createLink={createReauthorizationLinkAction}
          />
        ) : (
          <p className="muted small">{t("reauthorize.missingCount", { count: plan.missing.length })}</p>
        )}
        {attempts.length > 0 ? (
          <>
            <h3>{t("reauthorize.previous")}</h3>
            <ul className="plain-list">
              {attempts.map((attempt) => (
                <li key={attempt.id}>
                  <Link href={`/console/links/${attempt.id}`}>{when(attempt.createdAt)}</Link> · {attemptStatus(attempt.status)} ·{" "}
                  <span className="small muted">
                    {attempt.permissionSetIds.length > 0 ? attempt.permissionSetIds.join("|") : t("reauthorize.allSets")}
                  </span>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>

      <section className="card section">
        <h2>{t("options.title")}</h2>
        {authorizer.accountType !== "official_account" ? (
          <p className="muted">{t("options.officialOnly")}</p>
        ) : !active ? (
          <p className="muted">{t("actions.inactive")}</p>
        ) : (
          <AuthorizerOptions
            appid={authorizer.appid}
            canSet={mayRun(staff.role, "authorizer.set_option")}
            options={AUTHORIZER_OPTIONS}
            readOptions={readOptionsAction}
            setOption={setOptionAction}
          />
        )}
      </section>

      <section className="card section">
        <h2>{t("history.title")}</h2>
        <p className="small muted">{t("history.explain")}</p>
        <Timeline entries={history} emptyLabel={t("history.empty")} testId="credential-history" />
      </section>

      <section className="card section">
        <h2>{t("timeline.title")}</h2>
        <Timeline entries={timeline} emptyLabel={t("timeline.empty")} testId="timeline" />
      </section>
    </>
  );
}
