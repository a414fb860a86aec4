// Server-rendered labels for an account: status badge, kind, verification, token health.
import { getFormatter, getTranslations } from "next-intl/server";
import { TOKEN_TONE, type AccountKind, type TokenHealth, type Verification } from "@/lib/console/authorizer-labels";
import { STATUS_TONE } from "@/lib/console/statuses";
import type { AuthorizerStatus } from "@/lib/generated/prisma/enums";

export async function StatusBadge({ status }: { status: AuthorizerStatus }) {
  const t = await getTranslations("console.status");
  return (
    <span className={`badge ${STATUS_TONE[status]}`} data-testid="authorizer-status" data-status={status}>
      {t(status)}
    </span>
  );
}

export async function KindLabel({ kind }: { kind: AccountKind }) {
  const t = await getTranslations("console.kind");
  return <span data-testid="authorizer-kind">{t(kind)}</span>;
}

export async function VerificationLabel({ verification }: { verification: Verification }) {
  const t = await getTranslations("console.verification");
  return <span className={verification === "unverified" ? "muted" : undefined}>{t(verification)}</span>;
}

/** "1 小时 5 分" from seconds, for token lifetimes. */
export async function formatDuration(seconds: number): Promise<string> {
  const t = await getTranslations("console.duration");
  const abs = Math.abs(seconds);
  const hours = Math.floor(abs / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  if (hours > 0) return t("hoursMinutes", { hours, minutes });
  if (minutes > 0) return t("minutes", { minutes });
  return t("seconds", { seconds: Math.floor(abs) });
}

export async function TokenHealthCell({ token, now }: { token: TokenHealth; now: Date }) {
  const t = await getTranslations("console.token");
  const format = await getFormatter();
  const remaining = token.expiresInSeconds === null ? null : await formatDuration(token.expiresInSeconds);
  return (
    <div className="token-cell" data-testid="token-health" data-state={token.state}>
      <span className={`badge ${TOKEN_TONE[token.state]}`}>{t(`state.${token.state}`)}</span>
      {remaining && token.expiresInSeconds !== null ? (
        <div className="small">
          {token.expiresInSeconds > 0 ? t("expiresIn", { duration: remaining }) : t("expiredAgo", { duration: remaining })}
        </div>
      ) : null}
      <div className="small muted">
        {token.lastRefreshedAt ? t("lastRefresh", { when: format.relativeTime(token.lastRefreshedAt, now) }) : t("neverRefreshed")}
      </div>
      {token.lastError ? (
        <div className="small error-text" title={token.lastError}>
          {token.lastErrorCode !== null ? t("lastErrorCode", { errcode: token.lastErrorCode }) : t("lastError")}
        </div>
      ) : null}
    </div>
  );
}
