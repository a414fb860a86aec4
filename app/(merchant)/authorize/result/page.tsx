// /authorize/result — where the authorization callback sends the browser (the desktop after WeChat's
// PC page, or the phone after the H5 page): success with the account and the permission sets
// granted, or what went wrong and what to do next. Mobile-first. An attempt made with a return_url
// that has ended offers the way back to the provider's site (the callback itself usually goes there).
import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { headers } from "next/headers";
import { FailurePanel } from "@/components/merchant/failure-panel";
import { MerchantShell } from "@/components/merchant/merchant-shell";
import { RefreshWhileConfirming } from "@/components/merchant/refresh-while-confirming";
import { ReturnToMerchant } from "@/components/merchant/return-to-merchant";
import { SuccessPanel } from "@/components/merchant/success-panel";
import styles from "@/components/merchant/merchant.module.css";
import { readCallbackResult } from "@/lib/merchant/callback-result";
import { getProblemKey } from "@/lib/merchant/problems";
import type { SearchParams } from "@/lib/merchant/query";
import type { PublicAttempt } from "@/lib/merchant/types";
import { isWeChatBrowser } from "@/lib/merchant/user-agent";
import { buildRetryPath, PC_PAGE_PATH, PHONE_PAGE_PATH } from "@/lib/merchant/urls";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("merchant.result");
  return { title: t("metaTitle"), robots: { index: false, follow: false } };
}

export default async function AuthorizeResultPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const view = await readCallbackResult(await searchParams);
  const inWeChat = isWeChatBrowser((await headers()).get("user-agent"));
  const retryFor = (attempt: PublicAttempt | null) =>
    attempt
      ? buildRetryPath({
          path: inWeChat ? PHONE_PAGE_PATH : PC_PAGE_PATH,
          authType: attempt.authType,
          bizAppid: attempt.bizAppid,
          permissionSetIds: attempt.requestedPermissionSets.map((set) => set.id),
        })
      : undefined;

  let content: React.ReactNode;
  if (view.kind === "success") {
    content = <SuccessPanel attempt={view.attempt} level={1} pagePath={inWeChat ? PHONE_PAGE_PATH : PC_PAGE_PATH} />;
  } else if (view.kind === "confirming") {
    const t = await getTranslations("merchant.result");
    content = (
      <div data-testid="attempt-confirming" className={styles.center}>
        <h1>{t("confirmingTitle")}</h1>
        <p role="status" className={`${styles.status} ${styles.statusWaiting}`}>
          {t("confirmingBody")}
        </p>
        <p className={styles.next}>{t("confirmingNext")}</p>
        <RefreshWhileConfirming />
      </div>
    );
  } else {
    content = (
      <>
        <FailurePanel
          level={1}
          problem={getProblemKey({ problem: view.problem, errcode: view.errcode, failure: view.attempt?.failure })}
          errcode={view.errcode ?? view.attempt?.failure?.errcode ?? null}
          retryHref={retryFor(view.attempt)}
          values={{ minutes: Math.max(1, Math.ceil((view.retryAfterSeconds ?? 60) / 60)) }}
        />
        {/* WeChat could not be reached from here, but its push may still complete the authorization. */}
        {view.problem === "unavailable" && view.attempt ? <RefreshWhileConfirming /> : null}
      </>
    );
  }
  return (
    <MerchantShell narrow>
      <section className={styles.panel} data-testid="result">
        {content}
        {view.attempt?.returnTo ? <ReturnToMerchant href={view.attempt.returnTo} /> : null}
      </section>
    </MerchantShell>
  );
}
