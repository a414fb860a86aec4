// /console/authorizers/[appid] — one account: profile and QR, permission sets with confirm_info,
// token and credential history (never a secret), timeline, the operations staff may run, its merchant
// (merchant_ref) with the binding history, and the webhook deliveries about it.
// Each part is a section component (components/console/authorizer/); this page loads and composes them.
import { getTranslations } from "next-intl/server";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AuthorizerHeader } from "@/components/console/authorizer/header";
import { MerchantSection } from "@/components/console/authorizer/merchant-section";
import { OperationsSection } from "@/components/console/authorizer/operations-section";
import { OptionsSection } from "@/components/console/authorizer/options-section";
import { PermissionSetsSection } from "@/components/console/authorizer/permission-sets-section";
import { ProfileSection } from "@/components/console/authorizer/profile-section";
import { ReauthorizationSection } from "@/components/console/authorizer/reauthorization-section";
import { TimelineSection } from "@/components/console/authorizer/timeline-section";
import { TokenSection } from "@/components/console/authorizer/token-section";
import { DeliveryLog } from "@/components/console/webhooks/delivery-log";
import { requireStaff } from "@/lib/auth/session";
import {
  loadAttemptsFor,
  loadAuthorizer,
  loadCredentialHistory,
  loadMerchantBindings,
  loadTimeline,
} from "@/lib/console/authorizer-detail";
import { planReauthorization } from "@/lib/console/links";
import { mayRun } from "@/lib/console/permissions";
import { listDeliveries } from "@/lib/console/webhooks";
import { redeliverAction } from "../../webhooks/actions";
import {
  changeMerchantAction,
  createReauthorizationLinkAction,
  readOptionsAction,
  refreshTokenAction,
  resyncInfoAction,
  setOptionAction,
} from "../actions";

export const dynamic = "force-dynamic";

export default async function AuthorizerPage({ params }: { params: Promise<{ appid: string }> }) {
  const staff = await requireStaff();
  const { appid } = await params;
  const now = new Date();
  // Next hands the segment over decoded; anything that cannot be an appid is simply not found.
  const authorizer = /^[A-Za-z0-9_-]{1,64}$/.test(appid) ? await loadAuthorizer(appid, { now }) : null;
  if (!authorizer) notFound();
  const [history, timeline, attempts, plan, bindings, deliveries, t] = await Promise.all([
    loadCredentialHistory(authorizer.appid),
    loadTimeline(authorizer.appid),
    loadAttemptsFor(authorizer.appid),
    planReauthorization(authorizer.appid),
    loadMerchantBindings(authorizer.appid),
    listDeliveries({ authorizerAppid: authorizer.appid, size: 20 }),
    getTranslations("console.detail"),
  ]);
  const canOperate = mayRun(staff.role, "authorizer.refresh_token");
  const active = authorizer.status === "authorized" || authorizer.status === "updated";

  return (
    <>
      <p className="small">
        <Link href="/console/authorizers">← {t("back")}</Link>
      </p>
      <AuthorizerHeader authorizer={authorizer} />

      <p className="notice" data-testid="revoke-notice">
        {t("onlyMerchantRevokes")}
      </p>

      <OperationsSection
        appid={authorizer.appid}
        active={active}
        canOperate={canOperate}
        refreshToken={refreshTokenAction}
        resyncInfo={resyncInfoAction}
      />

      <div className="grid two">
        <ProfileSection authorizer={authorizer} />
        <TokenSection authorizer={authorizer} now={now} />
      </div>

      <MerchantSection
        appid={authorizer.appid}
        merchantRef={authorizer.merchantRef}
        bindings={bindings}
        changeMerchant={mayRun(staff.role, "authorizer.rebind_merchant") ? changeMerchantAction : undefined}
      />

      <PermissionSetsSection sets={authorizer.permissionSets} />
      <ReauthorizationSection plan={plan} attempts={attempts} canOperate={canOperate} createLink={createReauthorizationLinkAction} />
      <OptionsSection
        authorizer={authorizer}
        active={active}
        canSet={mayRun(staff.role, "authorizer.set_option")}
        readOptions={readOptionsAction}
        setOption={setOptionAction}
      />
      <TimelineSection
        title={t("history.title")}
        explain={t("history.explain")}
        entries={history}
        emptyLabel={t("history.empty")}
        testId="credential-history"
      />
      <section className="card section" data-testid="authorizer-deliveries">
        <h2>{t("deliveries.title")}</h2>
        <p className="small muted">{t("deliveries.explain")}</p>
        <DeliveryLog
          rows={deliveries.rows}
          showEndpoint
          redeliver={mayRun(staff.role, "webhook.redeliver") ? redeliverAction : undefined}
          testId="authorizer-delivery-log"
        />
      </section>
      <TimelineSection title={t("timeline.title")} entries={timeline} emptyLabel={t("timeline.empty")} testId="timeline" />
    </>
  );
}
