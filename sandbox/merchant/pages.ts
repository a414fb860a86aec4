// The merchant-facing pages, in WeChat's words and look, readable at 320 px. Everything inline: no remote
// assets, no CDN. A banner says plainly that this is the sandbox.
import type { SeededAccount } from "../state/accounts";
import { describeAccount, KIND_LABELS } from "../state/accounts";
import type { PermissionSet } from "../state/permission-sets";
import type { AuthSession } from "../state/types";
import { html, jsonForScript, raw, type SafeHtml } from "./html";

const STYLE = raw(`
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#191919;background:#ededed;font-size:16px;line-height:1.5}
body.pc{background:#f6f8f9}
.banner{background:#fff3cd;color:#7a5b00;font-size:12px;text-align:center;padding:4px 8px}
.wrap{max-width:480px;margin:0 auto;padding:16px}
.pc .wrap{max-width:640px;padding:48px 16px}
.card{background:#fff;border-radius:8px;padding:24px 16px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h1{font-size:20px;font-weight:500;margin:0 0 8px;text-align:center}
h2{font-size:17px;font-weight:500;margin:0 0 12px}
.muted{color:rgba(0,0,0,.5);font-size:14px}
.center{text-align:center}
.qr{display:flex;justify-content:center;margin:24px 0 12px}
.qr svg{width:200px;height:200px;border:1px solid #e7e7e7;padding:4px;background:#fff}
.status{font-size:15px;margin:8px 0}
.status.ok{color:#07c160}
.status.err{color:#fa5151}
a{color:#576b95}
ul.accounts,ul.sets{list-style:none;margin:0;padding:0}
ul.accounts li{border-bottom:1px solid #f0f0f0}
ul.accounts a,ul.accounts .disabled{display:flex;align-items:center;gap:12px;padding:12px 4px;color:inherit;text-decoration:none;min-width:0}
ul.accounts .disabled{opacity:.5}
ul.accounts img{width:44px;height:44px;border-radius:50%;flex:none}
.info{display:flex;flex-direction:column;min-width:0;flex:1}
.info b{font-weight:500;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.info span{font-size:13px;color:rgba(0,0,0,.5);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.tag{font-size:12px;color:#07c160;border:1px solid #07c160;border-radius:3px;padding:0 4px;flex:none}
ul.sets li{padding:10px 0;border-bottom:1px solid #f0f0f0}
ul.sets label{display:flex;gap:10px;align-items:flex-start;cursor:pointer}
ul.sets input{width:20px;height:20px;margin:2px 0 0;accent-color:#07c160;flex:none}
ul.sets small{display:block;color:rgba(0,0,0,.4);font-size:12px}
.account-head{display:flex;gap:12px;align-items:center;margin-bottom:16px}
.account-head img{width:56px;height:56px;border-radius:50%}
button{font:inherit;width:100%;border:0;border-radius:8px;padding:11px 16px;margin-top:12px;cursor:pointer}
button.primary{background:#07c160;color:#fff}
button.default{background:#f2f2f2;color:#07c160}
.result-icon{font-size:56px;line-height:1;margin:16px 0}
.ok-icon{color:#07c160}.warn-icon{color:#fa9d3b}.err-icon{color:#fa5151}
pre{white-space:pre-wrap;word-break:break-all;font-size:13px;background:#f7f7f7;padding:8px;border-radius:4px}
`);

function layout(args: { title: string; body: SafeHtml; variant: "pc" | "mobile" }): string {
  return html`<!doctype html>
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${args.title}</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body class="${args.variant}">
        <div class="banner" role="note">微信开放平台沙箱 · 本地模拟页面，不是微信官方页面</div>
        <div class="wrap">${args.body}</div>
      </body>
    </html>`.value;
}

function kindsLabel(session: AuthSession, accounts: readonly SeededAccount[]): string {
  if (session.bizAppid) return `指定账号 ${session.bizAppid}`;
  return [...new Set(accounts.map((account) => KIND_LABELS[account.kind]))].join("、") || "无";
}

export function renderPcLoginPage(args: {
  session: AuthSession;
  componentAppid: string;
  qrSvg: string;
  phoneUrl: string;
  accounts: readonly SeededAccount[];
}): string {
  const body = html`<main class="card center">
      <h1>公众平台账号授权</h1>
      <p class="muted">授权给第三方平台 <b data-testid="component-appid">${args.componentAppid}</b></p>
      <div class="qr" data-testid="qr">${raw(args.qrSvg)}</div>
      <p class="status" id="status" data-testid="status">使用公众平台绑定的管理员个人微信号扫描</p>
      <p>
        <a id="phone-link" data-testid="phone-link" href="${args.phoneUrl}" target="_blank" rel="opener">在“手机”上打开（模拟微信扫码）</a>
      </p>
      <p class="muted">可授权账号类型：${kindsLabel(args.session, args.accounts)}</p>
    </main>
    <script>
      (function () {
        var sessionUrl = ${jsonForScript(`/sandbox/session/${args.session.id}`)};
        var statusEl = document.getElementById("status");
        function show(text, kind) {
          statusEl.textContent = text;
          statusEl.className = "status " + (kind || "");
        }
        var timer = setInterval(function () {
          fetch(sessionUrl, { cache: "no-store" })
            .then(function (r) {
              return r.json();
            })
            .then(function (s) {
              if (s.status === "scanned") show("扫描成功，请在手机上进行授权", "ok");
              if (s.status === "confirmed") {
                clearInterval(timer);
                show("授权成功，正在跳转至第三方平台页面……", "ok");
                setTimeout(function () {
                  location.href = s.redirectTo;
                }, 500);
              }
              if (s.status === "cancelled") {
                clearInterval(timer);
                show("已取消授权", "err");
              }
              if (s.status === "expired") {
                clearInterval(timer);
                show("二维码失效，请关闭本页重新发起授权", "err");
              }
            })
            .catch(function () {});
        }, 1000);
      })();
    </script>`;
  return layout({ title: "公众平台账号授权", body, variant: "pc" });
}

export function renderAccountList(args: {
  session: AuthSession;
  componentAppid: string;
  accounts: readonly { account: SeededAccount; authorized: boolean; offered: number }[];
}): string {
  const items = args.accounts.map(({ account, authorized, offered }) => {
    const inner = html`<img src="/sandbox/avatar/${account.appid}.svg" alt="" />
      <div class="info"><b>${account.nickName}</b><span>${describeAccount(account)}</span><span>${account.principalName}</span></div>
      ${authorized ? html`<em class="tag">已授权</em>` : ""}`;
    return offered > 0
      ? html`<li><a href="/sandbox/phone/${args.session.id}/account/${account.appid}" data-appid="${account.appid}">${inner}</a></li>`
      : html`<li>
          <div class="disabled" data-appid="${account.appid}">${inner}<span class="muted">无可授权的权限集</span></div>
        </li>`;
  });
  const body = html`<main class="card">
    <h2>选择要授权的账号</h2>
    <p class="muted">授权给第三方平台 ${args.componentAppid}，授权后该平台可代你的账号调用接口。</p>
    ${
      args.accounts.length === 0
        ? html`<p class="center muted" data-testid="no-accounts">
            当前微信号没有可授权的账号${args.session.bizAppid ? "（链接指定的账号不由你管理）" : ""}
          </p>`
        : html`<ul class="accounts" data-testid="accounts">
            ${items}
          </ul>`
    }
    <form method="post" action="/sandbox/phone/${args.session.id}/cancel"><button class="default" type="submit">取消</button></form>
  </main>`;
  return layout({ title: "授权", body, variant: "mobile" });
}

export function renderPermissionPage(args: {
  session: AuthSession;
  componentAppid: string;
  account: SeededAccount;
  sets: readonly PermissionSet[];
  authorized: boolean;
}): string {
  const { account } = args;
  const items = args.sets.map(
    (set) =>
      html`<li>
        <label
          ><input type="checkbox" name="func" value="${set.id}" checked />
          <span>${set.name}<small>权限集 ${set.id}${set.mutex ? " · 互斥权限集" : ""}</small></span></label
        >
      </li>`,
  );
  const body = html`<main class="card">
    <div class="account-head">
      <img src="/sandbox/avatar/${account.appid}.svg" alt="" />
      <div class="info">
        <b data-testid="account-name">${account.nickName}</b><span>${describeAccount(account)}</span><span>${account.principalName}</span>
      </div>
    </div>
    <h2>${args.authorized ? "更新授权" : "确认授权"}</h2>
    <p class="muted">第三方平台 ${args.componentAppid} 将获得以下权限。可取消勾选不希望授权的权限集。</p>
    <form method="post" action="/sandbox/phone/${args.session.id}/confirm">
      <input type="hidden" name="appid" value="${account.appid}" />
      <ul class="sets" data-testid="sets">
        ${items}
      </ul>
      <button class="primary" type="submit" data-testid="confirm">授权</button>
    </form>
    <form method="post" action="/sandbox/phone/${args.session.id}/cancel">
      <button class="default" type="submit" data-testid="cancel">取消</button>
    </form>
  </main>`;
  return layout({ title: "确认授权", body, variant: "mobile" });
}

export function renderResultPage(args: { kind: "success" | "cancelled"; variant: "pc" | "mobile"; detail: string }): string {
  const success = args.kind === "success";
  const body = html`<main class="card center" data-testid="result">
    <div class="result-icon ${success ? "ok-icon" : "warn-icon"}">${success ? "✓" : "!"}</div>
    <h1>${success ? "授权成功" : "已取消授权"}</h1>
    <p class="muted">${args.detail}</p>
  </main>`;
  return layout({ title: success ? "授权成功" : "已取消授权", body, variant: args.variant });
}

export function renderRefusalPage(args: { message: string; variant: "pc" | "mobile" }): string {
  const body = html`<main class="card center" data-testid="refusal">
    <div class="result-icon err-icon">!</div>
    <h1>错误</h1>
    <p data-testid="refusal-message">${args.message}</p>
  </main>`;
  return layout({ title: "错误", body, variant: args.variant });
}

/** A stand-in redirect_uri for demos and e2e tests without a portal: shows what WeChat appended. */
export function renderEchoPage(args: { url: string; query: Record<string, string> }): string {
  const body = html`<main class="card">
    <h2>redirect_uri 收到的参数</h2>
    <pre data-testid="echo-url">${args.url}</pre>
    <pre id="query" data-testid="echo-query">${JSON.stringify(args.query, null, 2)}</pre>
  </main>`;
  return layout({ title: "redirect_uri echo", body, variant: "mobile" });
}
