// The account as WeChat describes it (principal, names, types, categories) and when its authorization changed.
import { getFormatter, getTranslations } from "next-intl/server";
import type { AuthorizerDetail } from "@/lib/console/authorizer-detail";
import { timeWriter } from "@/lib/console/format";
import { KindLabel, VerificationLabel } from "../authorizer-labels";

export async function ProfileSection({ authorizer }: { authorizer: AuthorizerDetail }) {
  const t = await getTranslations("console.detail.info");
  const when = timeWriter(await getFormatter());
  return (
    <section className="card section">
      <h2>{t("title")}</h2>
      <dl className="facts">
        <dt>{t("principal")}</dt>
        <dd>{authorizer.principalName ?? "—"}</dd>
        <dt>{t("userName")}</dt>
        <dd>
          <code>{authorizer.userName ?? "—"}</code>
        </dd>
        <dt>{t("alias")}</dt>
        <dd>{authorizer.alias || "—"}</dd>
        <dt>{t("signature")}</dt>
        <dd>{authorizer.signature || "—"}</dd>
        {/* WeChat's numbers as words, the number beside them for anyone comparing with WeChat's answer. */}
        <dt>{t("serviceType")}</dt>
        <dd data-testid="detail-service-type">
          <KindLabel kind={authorizer.kind} />
          {authorizer.serviceType !== null ? <span className="muted small"> (service_type_info {authorizer.serviceType})</span> : null}
        </dd>
        <dt>{t("verifyType")}</dt>
        <dd data-testid="detail-verify-type">
          <VerificationLabel verification={authorizer.verification} />
          {authorizer.verifyType !== null ? <span className="muted small"> (verify_type_info {authorizer.verifyType})</span> : null}
        </dd>
        {authorizer.miniProgramCategories.length > 0 ? (
          <>
            <dt>{t("categories")}</dt>
            <dd>{authorizer.miniProgramCategories.map((c) => `${c.first} / ${c.second}`).join("；")}</dd>
          </>
        ) : null}
        <dt>{t("authorizedAt")}</dt>
        <dd>{when(authorizer.authorizedAt)}</dd>
        <dt>{t("updatedAt")}</dt>
        <dd>{when(authorizer.updatedAuthorizationAt)}</dd>
        <dt>{t("revokedAt")}</dt>
        <dd>{when(authorizer.revokedAt)}</dd>
        <dt>{t("statusChangedAt")}</dt>
        <dd>{when(authorizer.statusChangedAt)}</dd>
        <dt>{t("syncedAt")}</dt>
        <dd>{when(authorizer.infoSyncedAt)}</dd>
      </dl>
    </section>
  );
}
