// /console/links/[id] — one authorization attempt: the merchant pages to send (PC page, phone page
// and its QR), WeChat's raw PC and H5 links, the plugin parameters, and the outcome as it happens.
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AutoRefresh } from "@/components/console/auto-refresh";
import { CopyField } from "@/components/console/copy-field";
import { PermissionSetBadges } from "@/components/console/permission-set-badges";
import { QrCode } from "@/components/console/qr-code";
import { requireStaff } from "@/lib/auth/session";
import { timeWriter } from "@/lib/console/format";
import { loadAttempt } from "@/lib/console/links";
import { permissionSetLocale } from "@/lib/console/permission-set-groups";
import { getEnv } from "@/lib/env";

export const dynamic = "force-dynamic";

export default async function AttemptPage({ params }: { params: Promise<{ id: string }> }) {
  await requireStaff();
  const { id } = await params;
  // Attempt ids are base64url; anything else is simply not found.
  const attempt = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await loadAttempt(id) : null;
  if (!attempt) notFound();
  const [t, format, locale] = await Promise.all([getTranslations("console.links.attempt"), getFormatter(), getLocale()]);
  const statusLabel = await getTranslations("console.attemptStatus");
  const types = await getTranslations("console.authType");
  const copy = await getTranslations("console.copy");
  const when = timeWriter(format);
  const base = getEnv().publicBaseUrl;
  const pcPage = `${base}/authorize?attempt=${encodeURIComponent(attempt.id)}`;
  const phonePage = `${base}/m/authorize?attempt=${encodeURIComponent(attempt.id)}`;
  const result = (attempt.result ?? {}) as { reason?: string; errcode?: number };

  return (
    <>
      <p className="small">
        <Link href="/console/links">← {t("back")}</Link>
      </p>
      <h1>{t("title")}</h1>
      <p>
        <span
          className={`badge ${attempt.status === "completed" ? "ok" : attempt.status === "pending" ? "warn" : "bad"}`}
          data-testid="attempt-status"
          data-status={attempt.status}
        >
          {statusLabel(attempt.status)}
        </span>
      </p>
      <dl className="facts card section">
        <dt>{t("authType")}</dt>
        <dd>
          {types(String(attempt.authType))} <span className="muted small">(auth_type {attempt.authType})</span>
        </dd>
        <dt>{t("bizAppid")}</dt>
        <dd>{attempt.bizAppid ? <code>{attempt.bizAppid}</code> : "—"}</dd>
        <dt>{t("merchantRef")}</dt>
        <dd>{attempt.merchantRef ? <code data-testid="attempt-merchant-ref">{attempt.merchantRef}</code> : "—"}</dd>
        {attempt.returnUrl ? (
          <>
            <dt>{t("returnUrl")}</dt>
            <dd className="small">
              <code>{attempt.returnUrl}</code>
            </dd>
          </>
        ) : null}
        <dt>{t("sets")}</dt>
        <dd data-testid="attempt-sets">
          {attempt.permissionSetIds.length > 0 ? (
            <PermissionSetBadges ids={attempt.permissionSetIds} locale={permissionSetLocale(locale)} />
          ) : (
            t("allSets")
          )}
        </dd>
        <dt>{t("createdAt")}</dt>
        <dd>
          {when(attempt.createdAt)} {attempt.createdBy ? <span className="muted small">· {attempt.createdBy}</span> : null}
        </dd>
        <dt>{t("expiresAt")}</dt>
        <dd>{when(attempt.expiresAt)}</dd>
        {attempt.completedAt ? (
          <>
            <dt>{t("completedAt")}</dt>
            <dd>{when(attempt.completedAt)}</dd>
          </>
        ) : null}
        {attempt.authorizerAppid ? (
          <>
            <dt>{t("authorizer")}</dt>
            <dd>
              <Link href={`/console/authorizers/${attempt.authorizerAppid}`} data-testid="attempt-authorizer">
                {attempt.authorizerName ?? attempt.authorizerAppid}
              </Link>
            </dd>
          </>
        ) : null}
        {result.reason ? (
          <>
            <dt>{t("reason")}</dt>
            <dd>
              {t.has(`reasons.${result.reason}`) ? t(`reasons.${result.reason}`) : result.reason}{" "}
              <span className="muted small">
                ({result.reason}
                {result.errcode !== undefined ? `, errcode ${result.errcode}` : ""})
              </span>
            </dd>
          </>
        ) : null}
      </dl>

      {attempt.links ? (
        <>
          <section className="card section">
            <h2>{t("sendTitle")}</h2>
            <p className="small muted">{t("sendExplain")}</p>
            <div className="link-share">
              <div className="grow">
                <CopyField
                  label={t("pcPage")}
                  value={pcPage}
                  copyLabel={copy("copy")}
                  copiedLabel={copy("copied")}
                  testId="merchant-pc-page"
                />
                <CopyField
                  label={t("phonePage")}
                  value={phonePage}
                  copyLabel={copy("copy")}
                  copiedLabel={copy("copied")}
                  testId="merchant-phone-page"
                />
              </div>
              <QrCode value={phonePage} label={t("qrLabel")} />
            </div>
          </section>
          <section className="card section">
            <h2>{t("rawTitle")}</h2>
            <p className="small muted">{t("rawExplain", { time: when(attempt.expiresAt) })}</p>
            <CopyField label={t("pcLink")} value={attempt.links.pc} copyLabel={copy("copy")} copiedLabel={copy("copied")} />
            <p className="small">
              <a href={attempt.links.pc} target="_blank" rel="noopener" data-testid="wechat-pc-link">
                {t("openPc")}
              </a>
            </p>
            <CopyField label={t("h5Link")} value={attempt.links.h5} copyLabel={copy("copy")} copiedLabel={copy("copied")} />
            <p className="small">
              <a href={attempt.links.h5} data-testid="wechat-h5-link">
                {t("openH5")}
              </a>
            </p>
            <h3>{t("plugin")}</h3>
            <pre className="json">{`requirePlugin("miniprogram-thirdparty-plugin").openAuthorizeAccount(${JSON.stringify(attempt.links.plugin, null, 2)})`}</pre>
          </section>
          <AutoRefresh seconds={3} />
        </>
      ) : null}
    </>
  );
}
