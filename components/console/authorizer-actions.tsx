"use client";
// The account page's buttons: refresh the access token now, re-read the account from WeChat.
import { useFormatter, useTranslations } from "next-intl";
import type { ActionResult } from "@/lib/console/safe-action";
import type { RefreshResult } from "@/lib/console/authorizer-operations";
import type { ResyncResult } from "@/lib/console/authorizer-sync";
import { timeWriter } from "@/lib/console/format";
import { ActionFeedback } from "./action-feedback";
import { useConsoleAction } from "./use-console-action";

type Props = {
  appid: string;
  refreshToken: (input: { appid: string }) => Promise<ActionResult<RefreshResult>>;
  resyncInfo: (input: { appid: string }) => Promise<ActionResult<ResyncResult>>;
};

export function AuthorizerActions({ appid, refreshToken, resyncInfo }: Props) {
  const t = useTranslations("console.detail.actions");
  const when = timeWriter(useFormatter());
  const refresh = useConsoleAction(refreshToken);
  const resync = useConsoleAction(resyncInfo);
  const refreshed = refresh.result?.ok ? refresh.result.data : null;
  const resynced = resync.result?.ok ? resync.result.data : null;
  return (
    <div className="action-group">
      <div className="button-row">
        <button
          className="button"
          type="button"
          disabled={refresh.pending}
          onClick={() => refresh.run({ appid })}
          data-testid="refresh-token"
        >
          {refresh.pending ? t("refreshing") : t("refresh")}
        </button>
        <button
          className="button secondary"
          type="button"
          disabled={resync.pending}
          onClick={() => resync.run({ appid })}
          data-testid="resync-info"
        >
          {resync.pending ? t("resyncing") : t("resync")}
        </button>
      </div>
      <ActionFeedback
        error={refresh.result && !refresh.result.ok ? refresh.result.error : null}
        success={refreshed ? t("refreshed", { time: when(refreshed.expiresAt) }) : null}
      />
      <ActionFeedback
        error={resync.result && !resync.result.ok ? resync.result.error : null}
        success={resynced ? t("resynced", { added: resynced.added.length, removed: resynced.removed.length }) : null}
      />
    </div>
  );
}
