"use client";
// Imports every authorizer WeChat lists (api_get_authorizer_list), one server action per batch so
// the page can show progress. The browser drives the batches: closing the page stops the sync,
// and starting again is safe (an import of a known account only brings it up to date).
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import type { SyncBatch, SyncFailure } from "@/lib/console/authorizer-sync";
import type { ActionError } from "@/lib/console/errors";
import type { ActionResult } from "@/lib/console/safe-action";
import { ActionFeedback } from "./action-feedback";

type Props = { syncBatch: (input: { offset: number; count?: number }) => Promise<ActionResult<SyncBatch>> };

type Progress = { total: number; processed: number; created: number; reactivated: number; updated: number; failed: SyncFailure[] };

const EMPTY: Progress = { total: 0, processed: 0, created: 0, reactivated: 0, updated: 0, failed: [] };

export function SyncRunner({ syncBatch }: Props) {
  const t = useTranslations("console.sync");
  const router = useRouter();
  const [state, setState] = useState<"idle" | "running" | "done" | "stopped" | "failed">("idle");
  const [progress, setProgress] = useState<Progress>(EMPTY);
  const [error, setError] = useState<ActionError | null>(null);
  const stop = useRef(false);

  async function start() {
    stop.current = false;
    setState("running");
    setError(null);
    let totals = EMPTY;
    setProgress(totals);
    let offset = 0;
    for (;;) {
      if (stop.current) return setState("stopped");
      const result = await syncBatch({ offset });
      if (!result.ok) {
        setError(result.error);
        return setState("failed");
      }
      const batch = result.data;
      totals = {
        total: batch.total,
        processed: totals.processed + batch.processed,
        created: totals.created + batch.created,
        reactivated: totals.reactivated + batch.reactivated,
        updated: totals.updated + batch.updated,
        failed: [...totals.failed, ...batch.failed],
      };
      setProgress(totals);
      if (batch.done) {
        setState("done");
        router.refresh();
        return;
      }
      offset = batch.nextOffset;
    }
  }

  const percent = progress.total > 0 ? Math.round((progress.processed / progress.total) * 100) : state === "done" ? 100 : 0;
  return (
    <div className="card section" data-testid="sync">
      <div className="button-row">
        <button className="button" type="button" onClick={start} disabled={state === "running"} data-testid="sync-start">
          {state === "running" ? t("running") : state === "idle" ? t("start") : t("again")}
        </button>
        {state === "running" ? (
          <button className="button secondary" type="button" onClick={() => (stop.current = true)}>
            {t("stop")}
          </button>
        ) : null}
      </div>
      {state !== "idle" ? (
        <div className="sync-progress">
          <progress max={100} value={percent} aria-label={t("progressLabel")} />
          <p role="status" data-testid="sync-status">
            {t(`state.${state}`, { processed: progress.processed, total: progress.total, percent })}
          </p>
          <p className="small muted">
            {t("counts", {
              created: progress.created,
              reactivated: progress.reactivated,
              updated: progress.updated,
              failed: progress.failed.length,
            })}
          </p>
          {progress.failed.length > 0 ? (
            <details>
              <summary className="small">{t("failures")}</summary>
              <ul className="plain-list small">
                {progress.failed.map((f) => (
                  <li key={f.appid}>
                    <code>{f.appid}</code> · {f.code}
                    {f.errcode !== undefined ? ` (${f.errcode})` : ""}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </div>
      ) : null}
      <ActionFeedback error={error} />
    </div>
  );
}
