// 快速注册小程序 results (notify_third_fasteregister): on success WeChat has created a mini program that is
// already authorized to the component, and the push carries an auth_code for api_query_auth.
import type { SandboxContext } from "../core/context";
import { pushFastRegister } from "../push/events";
import type { SeededAccount } from "../state/accounts";
import { listPermissionSets } from "../state/permission-sets";
import type { Delivery } from "../state/types";
import { grantAuthorization } from "./manage";

export type FastRegisterRequest = {
  status: number;
  msg: string;
  /** Enterprise or personal registration: decides the shape of `info`. */
  type: "enterprise" | "personal";
  name?: string;
  info?: Record<string, string | number>;
};

function defaultInfo(request: FastRegisterRequest): Record<string, string | number> {
  if (request.type === "personal") {
    return { wxuser: "sandbox_admin", idname: "张三", component_phone: "13800000000" };
  }
  return {
    name: request.name ?? "沙箱示例科技有限公司",
    code: "91440300MA5SANDBOX",
    code_type: 1,
    legal_persona_wechat: "sandbox_legal",
    legal_persona_name: "李四",
    component_phone: "13800000000",
  };
}

export function fastRegister(
  ctx: SandboxContext,
  request: FastRegisterRequest,
): { appid: string; authCode: string; delivery: Promise<Delivery> } {
  const info = request.info ?? defaultInfo(request);
  if (request.status !== 0) {
    // Failed registrations carry no new account and no code.
    return {
      appid: "",
      authCode: "",
      delivery: pushFastRegister(ctx, { status: request.status, msg: request.msg, appid: "", authCode: "", info }),
    };
  }
  const index = ctx.state.data.registeredAccounts.length + 1;
  const account: SeededAccount = {
    appid: `wx${ctx.state.rng.misc.hex(16)}`,
    kind: "mini_program",
    nickName: request.name ? `${request.name}小程序` : `快速注册小程序${index}`,
    userName: `gh_${ctx.state.rng.misc.hex(12)}`,
    alias: "",
    principalName: request.type === "personal" ? "个人" : String(info.name ?? "沙箱示例科技有限公司"),
    signature: "",
    serviceTypeId: 0,
    verifyTypeId: -1,
    avatarColor: "#6467f0",
    releaseTest: false,
    miniProgram: { categories: [], requestDomain: "https://weixin.qq.com" },
  };
  ctx.state.data.registeredAccounts.push(account);
  const { code } = grantAuthorization(ctx, {
    appid: account.appid,
    funcIds: listPermissionSets("mini_program").map((set) => set.id),
    source: "fasteregister",
    push: false,
  });
  const delivery = pushFastRegister(ctx, { status: 0, msg: request.msg, appid: account.appid, authCode: code.value, info });
  return { appid: account.appid, authCode: code.value, delivery };
}
