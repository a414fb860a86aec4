// /console/authorizers/sync — import every account WeChat says authorized the platform
// (api_get_authorizer_list, up to 500 per call), with progress. For operators and admins.
import { getTranslations } from "next-intl/server";
import Link from "next/link";
import { SyncRunner } from "@/components/console/sync-runner";
import { requireStaff } from "@/lib/auth/session";
import { mayRun } from "@/lib/console/permissions";
import { syncBatchAction } from "../actions";

export const dynamic = "force-dynamic";

export default async function SyncPage() {
  const staff = await requireStaff();
  const t = await getTranslations("console.sync");
  return (
    <>
      <p className="small">
        <Link href="/console/authorizers">← {t("back")}</Link>
      </p>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      <ul className="small muted">
        <li>{t("explainNew")}</li>
        <li>{t("explainReactivate")}</li>
        <li>{t("explainTokens")}</li>
      </ul>
      {mayRun(staff.role, "authorizer.sync") ? (
        <SyncRunner syncBatch={syncBatchAction} />
      ) : (
        <p className="muted" data-testid="read-only-note">
          {t("readOnly")}
        </p>
      )}
    </>
  );
}
