// The console's health page: lib/health.ts's report (ticket, component token, refresh queue, pushes)
// plus what staff need to act on: recent pushes and failures, errors by errcode class, and hourly
// series for the chart. There is no table of upstream calls yet, so errors come from what is kept:
// each credential's last error and each push's processing error (one latest error per account, so
// the series undercounts repeated failures of one account; a successful refresh clears it).
import { db } from "../db";
import { getEnv } from "../env";
import { checkHealth, type HealthReport } from "../health";
import { classifyErrcode, type ErrorClass } from "../wechat/errors";

export const ERROR_CLASSES = ["retry", "refresh", "re-authorize", "configuration", "quota", "client", "other"] as const satisfies readonly (
  ErrorClass | "other"
)[];
export type ErrorBucket = (typeof ERROR_CLASSES)[number];

/** An errcode from a stored message ("... errcode 61003 ...", "WeChat answered 61023 ..."). */
export function errcodeIn(message: string | null): number | null {
  if (!message) return null;
  const match = /errcode[^\d-]*(-?\d+)/i.exec(message) ?? /\b([4-6]\d{4})\b/.exec(message);
  return match?.[1] ? Number(match[1]) : null;
}

export function errorBucketOf({ code, message }: { code: number | null; message: string | null }): ErrorBucket {
  const errcode = code ?? errcodeIn(message);
  return errcode === null ? "other" : classifyErrcode(errcode).class;
}

export type HourBucket = {
  start: Date;
  tickets: number;
  events: number;
  pushFailures: number;
  errors: Record<ErrorBucket, number>;
};

export type RecentPush = {
  id: string;
  infoType: string;
  authorizerAppid: string | null;
  receivedAt: Date;
  processedAt: Date | null;
  attempts: number;
  error: string | null;
};

export type FailingCredential = {
  appid: string;
  nickName: string | null;
  code: number | null;
  error: string | null;
  at: Date;
  bucket: ErrorBucket;
};

export type HealthView = {
  report: HealthReport;
  recentPushes: RecentPush[];
  failedPushes: RecentPush[];
  failingCredentials: FailingCredential[];
  /** Current errors by class: each account's last error plus failed pushes of the window. */
  errorsByClass: Record<ErrorBucket, number>;
  /** Per errcode, for the table under the chart. */
  errorsByCode: { code: number | null; bucket: ErrorBucket; count: number }[];
  hours: HourBucket[];
};

const HOUR = 3600_000;
export const SERIES_HOURS = 24;

const emptyCounts = (): Record<ErrorBucket, number> => Object.fromEntries(ERROR_CLASSES.map((c) => [c, 0])) as Record<ErrorBucket, number>;

const pushSelect = {
  id: true,
  infoType: true,
  authorizerAppid: true,
  receivedAt: true,
  processedAt: true,
  attempts: true,
  error: true,
} as const;

export async function loadHealthView({ now = new Date() }: { now?: Date } = {}): Promise<HealthView> {
  const prisma = db();
  const componentAppid = getEnv().component.appid;
  const firstHour = new Date(Math.floor(now.getTime() / HOUR) * HOUR - (SERIES_HOURS - 1) * HOUR);
  const [report, recentPushes, failedPushes, failing, pushHours, pushErrors, credentialErrors] = await Promise.all([
    checkHealth({ now }),
    prisma.receivedPush.findMany({ where: { componentAppid }, orderBy: { receivedAt: "desc" }, take: 15, select: pushSelect }),
    prisma.receivedPush.findMany({
      where: { componentAppid, error: { not: null } },
      orderBy: { receivedAt: "desc" },
      take: 15,
      select: pushSelect,
    }),
    prisma.authorizerCredential.findMany({
      where: { lastErrorAt: { not: null }, authorizer: { componentAppid } },
      orderBy: { lastErrorAt: "desc" },
      take: 15,
      select: {
        authorizerAppid: true,
        lastErrorCode: true,
        lastError: true,
        lastErrorAt: true,
        authorizer: { select: { nickName: true } },
      },
    }),
    prisma.$queryRaw<{ hour: Date; tickets: number; events: number; failed: number }[]>`
      SELECT date_trunc('hour', received_at) AS hour,
             count(*) FILTER (WHERE info_type = 'component_verify_ticket')::int AS tickets,
             count(*) FILTER (WHERE info_type <> 'component_verify_ticket')::int AS events,
             count(*) FILTER (WHERE error IS NOT NULL)::int AS failed
      FROM received_pushes WHERE component_appid = ${componentAppid} AND received_at >= ${firstHour}
      GROUP BY 1`,
    prisma.$queryRaw<{ hour: Date; error: string; count: number }[]>`
      SELECT date_trunc('hour', received_at) AS hour, error, count(*)::int AS count
      FROM received_pushes WHERE component_appid = ${componentAppid} AND received_at >= ${firstHour} AND error IS NOT NULL
      GROUP BY 1, 2`,
    // Grouped by code in SQL (there may be thousands of accounts in error); one sample message for the
    // code-less ones, which carry their errcode in the text if anywhere.
    prisma.$queryRaw<{ hour: Date | null; code: number | null; sample: string | null; count: number }[]>`
      SELECT CASE WHEN c.last_error_at >= ${firstHour} THEN date_trunc('hour', c.last_error_at) END AS hour,
             c.last_error_code AS code, min(c.last_error) AS sample, count(*)::int AS count
      FROM authorizer_credentials c JOIN authorizers a ON a.appid = c.authorizer_appid
      WHERE a.component_appid = ${componentAppid} AND c.last_error_at IS NOT NULL
      GROUP BY 1, 2`,
  ]);

  const hours: HourBucket[] = Array.from({ length: SERIES_HOURS }, (_, i) => ({
    start: new Date(firstHour.getTime() + i * HOUR),
    tickets: 0,
    events: 0,
    pushFailures: 0,
    errors: emptyCounts(),
  }));
  const bucketAt = (at: Date | null) => (at ? hours[Math.floor((at.getTime() - firstHour.getTime()) / HOUR)] : undefined);
  for (const row of pushHours) {
    const bucket = bucketAt(row.hour);
    if (!bucket) continue;
    bucket.tickets += row.tickets;
    bucket.events += row.events;
    bucket.pushFailures += row.failed;
  }

  const errorsByClass = emptyCounts();
  const byCode = new Map<string, { code: number | null; bucket: ErrorBucket; count: number }>();
  const tally = ({ code, bucket, count }: { code: number | null; bucket: ErrorBucket; count: number }) => {
    errorsByClass[bucket] += count;
    const key = `${code}:${bucket}`;
    const entry = byCode.get(key) ?? { code, bucket, count: 0 };
    entry.count += count;
    byCode.set(key, entry);
  };
  for (const row of credentialErrors) {
    const code = row.code ?? errcodeIn(row.sample);
    const bucket = errorBucketOf({ code, message: row.sample });
    tally({ code, bucket, count: row.count });
    const hour = bucketAt(row.hour);
    if (hour) hour.errors[bucket] += row.count;
  }
  for (const row of pushErrors) {
    const code = errcodeIn(row.error);
    const bucket = errorBucketOf({ code, message: row.error });
    tally({ code, bucket, count: row.count });
    const hour = bucketAt(row.hour);
    if (hour) hour.errors[bucket] += row.count;
  }

  return {
    report,
    recentPushes,
    failedPushes,
    failingCredentials: failing.map((row) => ({
      appid: row.authorizerAppid,
      nickName: row.authorizer.nickName,
      code: row.lastErrorCode ?? errcodeIn(row.lastError),
      error: row.lastError,
      at: row.lastErrorAt!,
      bucket: errorBucketOf({ code: row.lastErrorCode, message: row.lastError }),
    })),
    errorsByClass,
    errorsByCode: [...byCode.values()].sort((a, b) => b.count - a.count),
    hours,
  };
}
