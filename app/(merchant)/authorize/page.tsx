// /authorize — the PC authorization page a provider sends a merchant to: a QR code to scan with the
// admin's WeChat, WeChat's own PC page, what will be granted, and the outcome live.
// ?attempt=<id> resumes an attempt (links issued from the console); otherwise auth_type, biz_appid
// and category_id_list describe a new one. Opened inside WeChat on a phone, it hands over to the phone
// page (/m/authorize) with the same query.
import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AttemptLive } from "@/components/merchant/attempt-live";
import { GrantSummary } from "@/components/merchant/grant-summary";
import { HowItWorks } from "@/components/merchant/how-it-works";
import { MerchantShell } from "@/components/merchant/merchant-shell";
import { OpenProblem } from "@/components/merchant/open-problem";
import styles from "@/components/merchant/merchant.module.css";
import { QrCode } from "@/components/qr/qr-code";
import { openAttempt } from "@/lib/merchant/attempts";
import { getClientAddress } from "@/lib/client-address";
import type { SearchParams } from "@/lib/merchant/query";
import { isMobileBrowser, isWeChatBrowser } from "@/lib/merchant/user-agent";
import { buildReloadPath, buildResumePath, buildRetryPath, PC_PAGE_PATH, PHONE_PAGE_PATH } from "@/lib/merchant/urls";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("merchant.pc");
  return { title: t("metaTitle"), robots: { index: false, follow: false } };
}

export default async function AuthorizePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const query = await searchParams;
  const requestHeaders = await headers();
  // Inside WeChat on a phone a QR code to scan is no use: the phone flow takes the same query (a new
  // attempt is made there, or the same one resumed).
  const userAgent = requestHeaders.get("user-agent");
  if (isWeChatBrowser(userAgent) && isMobileBrowser(userAgent)) redirect(buildReloadPath({ path: PHONE_PAGE_PATH, query }));
  const opened = await openAttempt({ query, clientAddress: getClientAddress(requestHeaders) });
  if (opened.kind !== "ok") {
    return (
      <MerchantShell narrow>
        <OpenProblem opened={opened} />
      </MerchantShell>
    );
  }
  const { attempt } = opened;
  // The address names the attempt from now on: a reload, a language switch or a shared link resumes
  // it instead of creating another.
  if (opened.created) redirect(buildResumePath({ path: PC_PAGE_PATH, attemptId: attempt.id }));
  const t = await getTranslations("merchant.pc");
  return (
    <MerchantShell>
      <AttemptLive
        initial={attempt}
        retryHref={buildRetryPath({
          path: PC_PAGE_PATH,
          ...attempt,
          permissionSetIds: attempt.requestedPermissionSets.map((set) => set.id),
        })}
        qr={<QrCode value={attempt.phoneUrl} label={t("qrLabel")} />}
        intro={
          <>
            <h1 className={styles.title}>{t("title")}</h1>
            <p className={styles.lead}>{t("lead")}</p>
          </>
        }
        aside={
          <div className={styles.stack}>
            <GrantSummary authType={attempt.authType} bizAppid={attempt.bizAppid} requested={attempt.requestedPermissionSets} />
            <HowItWorks />
          </div>
        }
      />
    </MerchantShell>
  );
}
