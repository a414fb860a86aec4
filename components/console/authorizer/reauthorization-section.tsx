// Asking the merchant to authorize again with the sets the account lacks, and the links made for it before.
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import Link from "next/link";
import type { ComponentProps } from "react";
import type { AttemptSummary } from "@/lib/console/authorizer-detail";
import { timeWriter } from "@/lib/console/format";
import type { ReauthorizationPlan } from "@/lib/console/links";
import { permissionSetLocale } from "@/lib/console/permission-set-groups";
import { permissionSetName } from "@/lib/wechat/permission-sets";
import { PermissionSetNames } from "../permission-set-names";
import { ReauthorizationForm } from "../reauthorization-form";

type Props = {
  plan: ReauthorizationPlan;
  attempts: AttemptSummary[];
  canOperate: boolean;
  createLink: ComponentProps<typeof ReauthorizationForm>["createLink"];
};

export async function ReauthorizationSection({ plan, attempts, canOperate, createLink }: Props) {
  const [t, attemptStatus, format, locale] = await Promise.all([
    getTranslations("console.detail.reauthorize"),
    getTranslations("console.attemptStatus"),
    getFormatter(),
    getLocale(),
  ]);
  const when = timeWriter(format);
  // Granted and missing sets in one list by id, the missing ones marked.
  const sets = [...plan.granted.map((id) => ({ id, granted: true })), ...plan.missing.map((id) => ({ id, granted: false }))]
    .sort((a, b) => a.id - b.id)
    .map((s) => ({ ...s, name: permissionSetName(s.id, permissionSetLocale(locale)) }));
  return (
    <section className="card section" id="reauthorization">
      <h2>{t("title")}</h2>
      <p className="small muted">{t("explain")}</p>
      {canOperate ? (
        <ReauthorizationForm appid={plan.appid} authType={plan.authType} sets={sets} createLink={createLink} />
      ) : (
        <p className="muted small">{t("missingCount", { count: plan.missing.length })}</p>
      )}
      {attempts.length > 0 ? (
        <>
          <h3>{t("previous")}</h3>
          <ul className="plain-list">
            {attempts.map((attempt) => (
              <li key={attempt.id}>
                <Link href={`/console/links/${attempt.id}`}>{when(attempt.createdAt)}</Link> · {attemptStatus(attempt.status)} ·{" "}
                <span className="small">
                  <PermissionSetNames ids={attempt.permissionSetIds} locale={permissionSetLocale(locale)} none={t("allSets")} />
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
