// What staff may do to the account now (refresh its token, re-read it from WeChat), or why not.
import { getTranslations } from "next-intl/server";
import type { ComponentProps } from "react";
import { AuthorizerActions } from "../authorizer-actions";

type Props = {
  appid: string;
  /** Authorized (or updated): a revoked account has no token to refresh. */
  active: boolean;
  canOperate: boolean;
} & Pick<ComponentProps<typeof AuthorizerActions>, "refreshToken" | "resyncInfo">;

export async function OperationsSection({ appid, active, canOperate, refreshToken, resyncInfo }: Props) {
  const t = await getTranslations("console.detail");
  if (!canOperate) {
    return (
      <p className="muted small" data-testid="read-only-note">
        {t("readOnly")}
      </p>
    );
  }
  return (
    <section className="card section">
      <h2>{t("actions.title")}</h2>
      {active ? (
        <AuthorizerActions appid={appid} refreshToken={refreshToken} resyncInfo={resyncInfo} />
      ) : (
        <p className="muted">{t("actions.inactive")}</p>
      )}
    </section>
  );
}
