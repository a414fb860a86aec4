// One authorized account as the console shows it: profile, permission sets with confirm_info, the
// credential's times and errors (never a token: sealed columns are not even selected), the history
// of its credential, and its timeline of pushes and audited actions; which merchant (merchant_ref) it
// belongs to and its bindings over time, and staff binding it to another.
import { z } from "zod";
import { viewAttempt, type AttemptView } from "../authorization/attempts";
import { listMerchantBindings, merchantRefSchema, rebindMerchant, UnknownAuthorizer } from "../authorization/merchant-binding";
import { db } from "../db";
import type { ActorType, AuthorizerStatus } from "../generated/prisma/enums";
import { accountKindOf, tokenHealthOf, verificationOf, type AccountKind, type TokenHealth, type Verification } from "./authorizer-labels";
import { ConsoleError } from "./errors";
import type { StaffActor } from "./safe-action";
import { staffLabels } from "./staff-labels";

export type ConfirmInfo = { needConfirm: boolean; alreadyConfirm: boolean; canConfirm: boolean };

export type GrantedPermissionSet = { id: number; grantedAt: Date; confirm: ConfirmInfo | null };

export type CredentialView = {
  accessTokenExpiresAt: Date | null;
  accessTokenRefreshAt: Date | null;
  jsapiTicketExpiresAt: Date | null;
  hasRefreshToken: boolean;
  version: number;
  disabledAt: Date | null;
  lastRefreshedAt: Date | null;
  lastErrorCode: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  createdAt: Date;
};

export type AuthorizerDetail = {
  appid: string;
  nickName: string | null;
  headImg: string | null;
  qrcodeUrl: string | null;
  principalName: string | null;
  userName: string | null;
  alias: string | null;
  signature: string | null;
  kind: AccountKind;
  accountType: "official_account" | "mini_program" | "channels" | "promoter" | "unknown";
  verification: Verification;
  verifyType: number | null;
  serviceType: number | null;
  miniProgramCategories: { first: string; second: string }[];
  status: AuthorizerStatus;
  statusChangedAt: Date;
  authorizedAt: Date;
  updatedAuthorizationAt: Date | null;
  revokedAt: Date | null;
  infoSyncedAt: Date | null;
  merchantRef: string | null;
  permissionSets: GrantedPermissionSet[];
  credential: CredentialView | null;
  token: TokenHealth;
};

// confirm_info as lib/wechat/api.ts reshapes it (booleans), or as WeChat sends it (0/1), should an
// older row hold the raw shape.
const flag = z.union([z.boolean(), z.number().transform((n) => n === 1)]);
const confirmSchema = z.union([
  z.object({ needConfirm: flag, alreadyConfirm: flag, canConfirm: flag }),
  z
    .object({ need_confirm: flag, already_confirm: flag, can_confirm: flag })
    .transform((raw) => ({ needConfirm: raw.need_confirm, alreadyConfirm: raw.already_confirm, canConfirm: raw.can_confirm })),
]);

const toConfirm = (value: unknown): ConfirmInfo | null => {
  const parsed = confirmSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
};

const categoriesSchema = z.object({ categories: z.array(z.object({ first: z.string(), second: z.string() })).catch([]) });

export async function loadAuthorizer(appid: string, { now = new Date() }: { now?: Date } = {}): Promise<AuthorizerDetail | null> {
  const row = await db().authorizer.findUnique({
    where: { appid },
    include: {
      permissionSets: { orderBy: { funcscopeId: "asc" } },
      credential: {
        select: {
          accessTokenExpiresAt: true,
          accessTokenRefreshAt: true,
          jsapiTicketExpiresAt: true,
          // Only to say whether one is stored; the ciphertext goes no further than this function.
          refreshTokenEnc: true,
          version: true,
          disabledAt: true,
          lastRefreshedAt: true,
          lastErrorCode: true,
          lastError: true,
          lastErrorAt: true,
          createdAt: true,
        },
      },
    },
  });
  if (!row) return null;
  const { refreshTokenEnc, ...credential } = row.credential ?? { refreshTokenEnc: null };
  const credentialView: CredentialView | null = row.credential
    ? { ...(credential as Omit<CredentialView, "hasRefreshToken">), hasRefreshToken: !!refreshTokenEnc }
    : null;
  return {
    appid: row.appid,
    nickName: row.nickName,
    headImg: row.headImg,
    qrcodeUrl: row.qrcodeUrl,
    principalName: row.principalName,
    userName: row.userName,
    alias: row.alias,
    signature: row.signature,
    kind: accountKindOf(row),
    accountType: row.accountType,
    verification: verificationOf(row.verifyType),
    verifyType: row.verifyType,
    serviceType: row.serviceType,
    miniProgramCategories: categoriesSchema.safeParse(row.miniProgramInfo).data?.categories ?? [],
    status: row.status,
    statusChangedAt: row.statusChangedAt,
    authorizedAt: row.authorizedAt,
    updatedAuthorizationAt: row.updatedAuthorizationAt,
    revokedAt: row.revokedAt,
    infoSyncedAt: row.infoSyncedAt,
    merchantRef: row.merchantRef,
    permissionSets: row.permissionSets.map((set) => ({
      id: set.funcscopeId,
      grantedAt: set.grantedAt,
      confirm: toConfirm(set.confirmInfo),
    })),
    credential: credentialView,
    token: tokenHealthOf(credentialView, now),
  };
}

export type AuditEntry = {
  kind: "audit";
  id: string;
  at: Date;
  action: string;
  actorType: ActorType;
  actor: string | null;
  details: unknown;
};

export type PushEntry = {
  kind: "push";
  id: string;
  at: Date;
  infoType: string;
  /** Decrypted fields with credentials masked when stored. */
  payload: unknown;
  processedAt: Date | null;
  error: string | null;
};

export type TimelineEntry = AuditEntry | PushEntry;

/** Audit actions that tell the story of an account's credential. */
const CREDENTIAL_ACTIONS = [
  "authorizer.authorized",
  "authorizer.authorization_updated",
  "authorizer.revoked",
  "authorizer.needs_reauthorization",
  "authorizer.imported",
  "authorizer.reactivated",
];

async function auditFor(appid: string, { credentialOnly, limit }: { credentialOnly: boolean; limit: number }): Promise<AuditEntry[]> {
  const rows = await db().auditLog.findMany({
    where: {
      target: appid,
      ...(credentialOnly ? { OR: [{ action: { startsWith: "credential." } }, { action: { in: CREDENTIAL_ACTIONS } }] } : {}),
    },
    orderBy: { createdAt: "desc" },
    take: limit,
  });
  const labels = await staffLabels(rows.filter((r) => r.actorType === "staff").map((r) => r.actorId));
  return rows.map((row) => ({
    kind: "audit",
    id: row.id.toString(),
    at: row.createdAt,
    action: row.action,
    actorType: row.actorType,
    actor: row.actorType === "staff" && row.actorId ? (labels.get(row.actorId) ?? row.actorId) : row.actorId,
    details: row.details,
  }));
}

/** What happened to the credential: authorizations, recoveries, refreshes by staff, revocations. */
export const loadCredentialHistory = (appid: string, { limit = 30 }: { limit?: number } = {}) =>
  auditFor(appid, { credentialOnly: true, limit });

/** Pushes about the account and every audited action on it, newest first. */
export async function loadTimeline(appid: string, { limit = 50 }: { limit?: number } = {}): Promise<TimelineEntry[]> {
  const [pushes, audit] = await Promise.all([
    db().receivedPush.findMany({
      where: { authorizerAppid: appid },
      orderBy: { receivedAt: "desc" },
      take: limit,
      select: { id: true, receivedAt: true, infoType: true, payload: true, processedAt: true, error: true },
    }),
    auditFor(appid, { credentialOnly: false, limit }),
  ]);
  // Audit entries first: on a tie (a push applied in the transaction that stored it), what the push did shows above it.
  const entries: TimelineEntry[] = [
    ...audit,
    ...pushes.map((p): PushEntry => ({
      kind: "push",
      id: p.id,
      at: p.receivedAt,
      infoType: p.infoType,
      payload: p.payload,
      processedAt: p.processedAt,
      error: p.error,
    })),
  ];
  return entries.sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, limit);
}

export type AttemptSummary = Pick<AttemptView, "id" | "status" | "permissionSetIds" | "createdAt" | "expiresAt" | "completedAt">;

/** Authorization links made for this account (biz_appid) or that it completed. */
export async function loadAttemptsFor(appid: string, { limit = 10 }: { limit?: number } = {}): Promise<AttemptSummary[]> {
  const rows = await db().authorizationAttempt.findMany({
    where: { OR: [{ bizAppid: appid }, { authorizerAppid: appid }] },
    orderBy: { createdAt: "desc" },
    take: limit,
  });
  return rows.map((row) => {
    const view = viewAttempt(row);
    return {
      id: view.id,
      status: view.status,
      permissionSetIds: view.permissionSetIds,
      createdAt: view.createdAt,
      expiresAt: view.expiresAt,
      completedAt: view.completedAt,
    };
  });
}

export type MerchantBindingView = {
  id: string;
  merchantRef: string;
  source: string;
  attemptId: string | null;
  boundAt: Date;
  unboundAt: Date | null;
};

/** The account's merchant bindings, newest first: the current one has no unboundAt. */
export async function loadMerchantBindings(appid: string): Promise<MerchantBindingView[]> {
  const rows = await listMerchantBindings(appid);
  return rows.slice(0, 50).map((row) => ({
    id: row.id.toString(),
    merchantRef: row.merchantRef,
    source: row.source,
    attemptId: row.attemptId,
    boundAt: row.boundAt,
    unboundAt: row.unboundAt,
  }));
}

/** Staff bind the account to another merchant_ref, or to none (blank). */
export const merchantInputSchema = z.object({
  appid: z.string().trim().min(1).max(64),
  merchantRef: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? null : v), merchantRefSchema.nullable()),
});

export async function changeMerchant({
  input,
  actor,
}: {
  input: z.output<typeof merchantInputSchema>;
  actor: StaffActor;
}): Promise<{ changed: boolean }> {
  try {
    const change = await rebindMerchant({ authorizerAppid: input.appid, merchantRef: input.merchantRef, actor });
    return { changed: change.changed };
  } catch (error) {
    if (error instanceof UnknownAuthorizer) throw new ConsoleError("not_found", error.message);
    throw error;
  }
}
