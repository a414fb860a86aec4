// A list of pushes and audited actions, newest first. Push payloads were masked when stored.
import { getFormatter, getTranslations } from "next-intl/server";
import type { TimelineEntry } from "@/lib/console/authorizer-detail";
import { timeWriter } from "@/lib/console/format";
import { AuditAction } from "./audit-action";
import { AuditDetails } from "./audit-details";

export async function Timeline({ entries, emptyLabel, testId }: { entries: TimelineEntry[]; emptyLabel: string; testId: string }) {
  const t = await getTranslations("console.timeline");
  const when = timeWriter(await getFormatter());
  if (entries.length === 0) return <p className="muted">{emptyLabel}</p>;
  return (
    <ol className="timeline" data-testid={testId}>
      {entries.map((entry) => (
        <li key={`${entry.kind}:${entry.id}`} data-kind={entry.kind}>
          <time className="small muted" dateTime={entry.at.toISOString()}>
            {when(entry.at)}
          </time>
          {entry.kind === "push" ? (
            <div>
              <span className="badge">{t("push")}</span>{" "}
              {t.has(`infoTypes.${entry.infoType}`) ? (
                <>
                  {t(`infoTypes.${entry.infoType}`)} <code className="small muted">{entry.infoType}</code>
                </>
              ) : (
                <code>{entry.infoType}</code>
              )}{" "}
              {entry.error ? (
                <span className="badge bad">{t("failed")}</span>
              ) : entry.processedAt ? (
                <span className="badge ok">{t("processed")}</span>
              ) : (
                <span className="badge warn">{t("pending")}</span>
              )}
              {entry.error ? <div className="small error-text">{entry.error}</div> : null}
              <details>
                <summary className="small">{t("payload")}</summary>
                <pre className="json">{JSON.stringify(entry.payload, null, 2)}</pre>
              </details>
            </div>
          ) : (
            <div>
              <span className="badge">{t(`actor.${entry.actorType}`)}</span> <AuditAction action={entry.action} />
              {entry.actor ? <span className="small muted"> · {entry.actor}</span> : null}
              {entry.details && typeof entry.details === "object" && Object.keys(entry.details).length > 0 ? (
                <details>
                  <summary className="small">{t("details")}</summary>
                  <AuditDetails details={entry.details} />
                </details>
              ) : null}
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}
