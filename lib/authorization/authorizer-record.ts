// How WeChat's description of an account (api_get_authorizer_info, api_query_auth) becomes our
// authorizer row and its permission sets. Shared by completing an authorization and by the
// console's re-sync / import, so both store the same thing the same way.
import type { Prisma } from "../generated/prisma/client";
import type { AccountType } from "../generated/prisma/enums";
import type { AuthorizerInfo, PermissionSetGrant } from "../wechat/api";

type Tx = Prisma.TransactionClient;

/** auth_type 4 (推客) and 5 (视频号) name the account type WeChat's info leaves out. */
export const accountTypeForAuthType = (authType: number | undefined): AccountType | undefined =>
  authType === 4 ? "promoter" : authType === 5 ? "channels" : undefined;

/**
 * api_get_authorizer_info only tells mini programs (MiniProgramInfo) from the rest; a 视频号 or 推客
 * account we already know as such keeps its type.
 */
export function accountTypeFrom(info: AuthorizerInfo, known: AccountType | undefined): AccountType {
  if (info.profile.accountType === "miniprogram") return "mini_program";
  if (known === "channels" || known === "promoter") return known;
  return "official_account";
}

export function profileColumns(info: AuthorizerInfo, { known, now }: { known: AccountType | undefined; now: Date }) {
  const p = info.profile;
  return {
    accountType: accountTypeFrom(info, known),
    nickName: p.nickName ?? null,
    headImg: p.headImg ?? null,
    principalName: p.principalName ?? null,
    userName: p.userName ?? null,
    alias: p.alias ?? null,
    qrcodeUrl: p.qrcodeUrl ?? null,
    signature: p.signature ?? null,
    serviceType: p.serviceTypeId ?? null,
    verifyType: p.verifyTypeId ?? null,
    businessInfo: (p.businessInfo ?? undefined) as Prisma.InputJsonValue | undefined,
    miniProgramInfo: (p.miniProgram ?? undefined) as Prisma.InputJsonValue | undefined,
    infoSyncedAt: now,
  };
}

/** Makes the stored permission sets exactly `sets`; returns what changed. */
export async function replacePermissionSets(
  tx: Tx,
  { appid, sets, now }: { appid: string; sets: PermissionSetGrant[]; now: Date },
): Promise<{ added: number[]; removed: number[] }> {
  const before = new Set(
    (await tx.authorizerPermissionSet.findMany({ where: { authorizerAppid: appid }, select: { funcscopeId: true } })).map(
      (s) => s.funcscopeId,
    ),
  );
  const ids = sets.map((set) => set.id);
  await tx.authorizerPermissionSet.deleteMany({ where: { authorizerAppid: appid, funcscopeId: { notIn: ids } } });
  for (const set of sets) {
    const confirmInfo = (set.confirm ?? undefined) as Prisma.InputJsonValue | undefined;
    await tx.authorizerPermissionSet.upsert({
      where: { authorizerAppid_funcscopeId: { authorizerAppid: appid, funcscopeId: set.id } },
      create: { authorizerAppid: appid, funcscopeId: set.id, confirmInfo, grantedAt: now },
      update: { confirmInfo },
    });
  }
  return { added: ids.filter((id) => !before.has(id)), removed: [...before].filter((id) => !ids.includes(id)) };
}
