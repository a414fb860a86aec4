// Seeding for the jobs and health tests: a ticket as if its push had just arrived, and authorizers
// authorized at the sandbox (real tokens) or straight in the database (sealed placeholder tokens).
import { db, type Database } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { recordVerifyTicket } from "@/lib/credentials/component-ticket";
import { getComponentAccessToken } from "@/lib/credentials/component-token";
import { sealAuthorizerTokens } from "@/lib/credentials/authorizer-credentials";
import { wechatApi } from "@/lib/upstream";
import type { AuthorizerStatus } from "@/lib/generated/prisma/enums";
import { sandboxControl, type TestSandbox } from "../../helpers/sandbox";

/** A port nothing listens on: the sandbox's own pushes fail fast; tests store what they need. */
export const NOWHERE = "http://127.0.0.1:9/events";

const componentAppid = () => getEnv().component.appid;

export async function ensureComponent(): Promise<void> {
  await db().component.upsert({ where: { appid: componentAppid() }, create: { appid: componentAppid() }, update: {} });
}

/** Has the sandbox issue a ticket and stores it as received at `receivedAt`. */
export async function seedTicket({ sandbox, receivedAt = new Date() }: { sandbox: TestSandbox; receivedAt?: Date }): Promise<string> {
  const { ticket } = await sandboxControl<{ ticket: string }>(sandbox, "push-ticket");
  await recordVerifyTicket({ appid: componentAppid(), ticket, createTime: new Date() });
  await db().component.update({ where: { appid: componentAppid() }, data: { verifyTicketReceivedAt: receivedAt } });
  return ticket;
}

/** The sandbox's ordinary (non release-test) accounts of one kind. */
export function sandboxAppids(sandbox: TestSandbox, kind = "official_account"): string[] {
  return sandbox.state
    .listAccounts()
    .filter((account) => account.kind === kind && !account.releaseTest)
    .map((account) => account.appid);
}

/** Authorizes `appid` at the sandbox, exchanges the code, and stores authorizer + tokens. */
export async function seedSandboxAuthorizer({
  sandbox,
  appid,
  refreshAt,
}: {
  sandbox: TestSandbox;
  appid: string;
  refreshAt?: Date;
}): Promise<void> {
  // The component token first: on a fast sandbox clock the auth code lives well under a second.
  const component = await getComponentAccessToken();
  const granted = await sandboxControl<{ auth_code: string }>(sandbox, "authorize", { appid, push: false });
  const grant = await wechatApi().queryAuth({
    componentAccessToken: component.token,
    componentAppid: componentAppid(),
    authorizationCode: granted.auth_code,
  });
  await db().authorizer.create({ data: { appid, componentAppid: componentAppid() } });
  const sealed = sealAuthorizerTokens({
    appid,
    accessToken: grant.authorizerAccessToken,
    expiresIn: grant.expiresIn,
    refreshToken: grant.authorizerRefreshToken,
  });
  await db().authorizerCredential.create({
    data: { authorizerAppid: appid, ...sealed, ...(refreshAt ? { accessTokenRefreshAt: refreshAt } : {}) },
  });
}

/** An authorizer known only to the database, with a placeholder token refreshed at `refreshAt`. */
export async function seedAuthorizerRow({
  appid,
  refreshAt,
  status = "authorized",
  disabled = false,
}: {
  appid: string;
  refreshAt: Date | null;
  status?: AuthorizerStatus;
  disabled?: boolean;
}): Promise<void> {
  await db().authorizer.create({ data: { appid, componentAppid: componentAppid(), status } });
  const sealed = sealAuthorizerTokens({ appid, accessToken: `placeholder-${appid}`, expiresIn: 7200, refreshToken: `refresh-${appid}` });
  await db().authorizerCredential.create({
    data: { authorizerAppid: appid, ...sealed, accessTokenRefreshAt: refreshAt, ...(disabled ? { disabledAt: new Date() } : {}) },
  });
}

export async function removeAuthorizers(): Promise<void> {
  await db().authorizerCredential.deleteMany();
  await db().authorizer.deleteMany();
}

export type JobRow = {
  id: string;
  singleton_key: string | null;
  state: string;
  retry_count: number;
  start_after: Date;
  started_on: Date | null;
  output: unknown;
};

/** refresh-authorizer jobs as pg-boss stores them. */
export async function listRefreshJobs(database: Database): Promise<JobRow[]> {
  return database.withSession((session) =>
    session.query<JobRow>(
      `SELECT id, singleton_key, state::text AS state, retry_count, start_after, started_on, output FROM pgboss.job WHERE name = 'refresh-authorizer' ORDER BY singleton_key, created_on`,
    ),
  );
}

export async function clearJobs(database: Database): Promise<void> {
  await database.withSession((session) => session.exec(`DELETE FROM pgboss.job WHERE name IN ('refresh-authorizer', 'credential-tick')`));
}

export const secondsFromNow = (seconds: number) => new Date(Date.now() + seconds * 1000);
