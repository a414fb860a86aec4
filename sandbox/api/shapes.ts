// Response bodies in the exact shapes of WeChat's real responses (tests/fixtures/wechat-vectors/responses):
// the silenceper capture for official accounts, the WxJava capture for mini programs.
import type { SandboxContext } from "../core/context";
import type { SeededAccount } from "../state/accounts";
import { SETS_WITH_CONFIRM_INFO } from "../state/permission-sets";

export type FuncInfo = {
  funcscope_category: { id: number };
  confirm_info?: { need_confirm: number; already_confirm: number; can_confirm: number };
};

export function buildFuncInfo(funcIds: readonly number[]): FuncInfo[] {
  return funcIds.map((id) =>
    SETS_WITH_CONFIRM_INFO.has(id)
      ? { funcscope_category: { id }, confirm_info: { need_confirm: 0, already_confirm: 0, can_confirm: 0 } }
      : { funcscope_category: { id } },
  );
}

export function avatarUrl(ctx: SandboxContext, account: SeededAccount): string {
  return `${ctx.publicUrl()}/sandbox/avatar/${account.appid}.svg`;
}

export function qrcodeUrl(ctx: SandboxContext, account: SeededAccount): string {
  return `${ctx.publicUrl()}/sandbox/qrcode/${account.appid}.svg`;
}

function businessInfo(account: SeededAccount) {
  const verifiedService = account.serviceTypeId === 2 && account.verifyTypeId === 0;
  return {
    open_pay: verifiedService ? 1 : 0,
    open_shake: 0,
    open_scan: 0,
    open_card: verifiedService ? 1 : 0,
    open_store: verifiedService ? 1 : 0,
  };
}

function miniProgramInfo(account: SeededAccount) {
  const domain = account.miniProgram?.requestDomain ?? "https://weixin.qq.com";
  const wsDomain = domain.replace(/^https:/, "wss:");
  return {
    network: {
      RequestDomain: [domain],
      WsRequestDomain: [wsDomain],
      UploadDomain: [domain],
      DownloadDomain: [domain],
      BizDomain: [],
      UDPDomain: [],
      TCPDomain: [],
      PrefetchDNSDomain: [],
      NewRequestDomain: [],
      NewWsRequestDomain: [],
      NewUploadDomain: [],
      NewDownloadDomain: [],
      NewBizDomain: [],
      NewUDPDomain: [],
      NewTCPDomain: [],
      NewPrefetchDNSDomain: [],
    },
    categories: account.miniProgram?.categories ?? [],
    visit_status: 0,
  };
}

/** `authorizer_info` of api_get_authorizer_info: MiniProgramInfo present means a mini program. */
export function buildAuthorizerInfo(ctx: SandboxContext, account: SeededAccount): Record<string, unknown> {
  const common = {
    nick_name: account.nickName,
    head_img: avatarUrl(ctx, account),
    service_type_info: { id: account.serviceTypeId },
    verify_type_info: { id: account.verifyTypeId },
    user_name: account.userName,
    alias: account.alias,
    qrcode_url: qrcodeUrl(ctx, account),
    business_info: businessInfo(account),
    idc: 1,
    principal_name: account.principalName,
    signature: account.signature,
  };
  if (account.kind === "official_account") return common;
  if (account.kind === "mini_program") {
    return {
      ...common,
      MiniProgramInfo: miniProgramInfo(account),
      register_type: 0,
      account_status: 1,
      basic_config: { is_phone_configured: true, is_email_configured: true },
    };
  }
  // WeChat documents no shape for 视频号 / 推客 authorizers; the mini-program fields minus MiniProgramInfo.
  return { ...common, register_type: 0, account_status: 1 };
}
