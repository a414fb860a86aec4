// GET /sandbox — the control page: accounts, authorizations, deliveries, calls, faults, and buttons that
// post plain HTML forms to the control API (no client-side framework, works without JavaScript).
import type { SandboxContext } from "../core/context";
import { FAULT_KINDS } from "../config";
import { describeAccount, KIND_LABELS } from "../state/accounts";
import { findPermissionSet } from "../state/permission-sets";
import type { ReleaseCheckResult } from "../release/run";
import { html, raw } from "../merchant/html";
import { API_ROUTES } from "../api/routes";
import { MESSAGE_SPECS, MESSAGE_TYPES } from "../messages/build";

const STYLE = raw(`
body{margin:0;font:14px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f6f8f9;color:#191919}
header{background:#07c160;color:#fff;padding:12px 16px}
header h1{margin:0;font-size:18px;font-weight:500}
header p{margin:4px 0 0;opacity:.9;font-size:12px;word-break:break-all}
main{padding:12px;max-width:1200px;margin:0 auto}
section{background:#fff;border-radius:6px;padding:12px;margin-bottom:12px;overflow-x:auto}
h2{font-size:16px;margin:0 0 8px;font-weight:500}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px;border-bottom:1px solid #f0f0f0;vertical-align:top}
th{color:rgba(0,0,0,.5);font-weight:400}
img.avatar{width:28px;height:28px;border-radius:50%;vertical-align:middle}
form.inline{display:inline-flex;gap:4px;flex-wrap:wrap;align-items:center;margin:2px 0}
input,select,button{font:inherit;padding:3px 6px}
button{background:#07c160;color:#fff;border:0;border-radius:4px;cursor:pointer}
button.warn{background:#fa5151}
.ok{color:#07c160}.bad{color:#fa5151}.muted{color:rgba(0,0,0,.45)}
code{font-size:12px;word-break:break-all}
.actions{display:flex;gap:8px;flex-wrap:wrap}
`);

function setNames(ids: readonly number[]): string {
  return ids.map((id) => `${id} ${findPermissionSet(id)?.name ?? ""}`.trim()).join("、");
}

export function renderControlPage(ctx: SandboxContext, args: { lastReleaseCheck: ReleaseCheckResult | undefined }): string {
  const { data } = ctx.state;
  const now = ctx.clock.now();
  const latestTicket = data.tickets.at(-1);

  const authorizationRows = data.authorizations.map((authorization) => {
    const account = ctx.state.findAccount(authorization.authorizerAppid);
    const active = authorization.revokedAt === undefined;
    return html`<tr>
      <td>
        ${account ? html`<img class="avatar" src="/sandbox/avatar/${account.appid}.svg" alt="" /> ${account.nickName}` : ""}<br /><code
          >${authorization.authorizerAppid}</code
        >
      </td>
      <td>${account ? describeAccount(account) : ""}</td>
      <td>${setNames(authorization.funcIds)}</td>
      <td>${new Date(authorization.authTimeUnix * 1000).toLocaleString("zh-CN")}</td>
      <td class="${active ? "ok" : "bad"}">${active ? "已授权" : "已解除"}</td>
      <td>
        ${
          active
            ? html`<form class="inline" method="post" action="/sandbox/api/revoke">
                  <input type="hidden" name="appid" value="${authorization.authorizerAppid}" /><button class="warn" type="submit">
                    解除授权
                  </button>
                </form>
                <form class="inline" method="post" action="/sandbox/api/set-permission-sets">
                  <input type="hidden" name="appid" value="${authorization.authorizerAppid}" /><input
                    name="ids"
                    size="14"
                    value="${authorization.funcIds.join(",")}"
                    aria-label="权限集"
                  /><button type="submit">修改权限集</button>
                </form>`
            : ""
        }
      </td>
    </tr>`;
  });

  const accountRows = ctx.state.listAccounts().map(
    (account) =>
      html`<tr>
        <td>
          <img class="avatar" src="/sandbox/avatar/${account.appid}.svg" alt="" />
          ${account.nickName}${account.releaseTest ? html` <span class="muted">(全网发布测试号)</span>` : ""}
        </td>
        <td><code>${account.appid}</code><br /><code>${account.userName}</code></td>
        <td>${describeAccount(account)}</td>
        <td>${account.principalName}</td>
        <td>
          <form class="inline" method="post" action="/sandbox/api/authorize">
            <input type="hidden" name="appid" value="${account.appid}" /><button type="submit">直接授权</button>
          </form>
        </td>
      </tr>`,
  );

  const deliveryRows = ctx.state.deliveries
    .slice(-40)
    .reverse()
    .map(
      (delivery) =>
        html`<tr>
          <td>#${delivery.id}${delivery.duplicateOf ? ` (dup of #${delivery.duplicateOf})` : ""}</td>
          <td>${delivery.kind}</td>
          <td>${delivery.infoType}</td>
          <td class="${delivery.state === "delivered" ? "ok" : delivery.state === "pending" ? "muted" : "bad"}">${delivery.state}</td>
          <td>
            ${delivery.attempts.map((attempt) => html`<div>${attempt.attempt}: ${attempt.status ?? attempt.error ?? ""} ${attempt.answer !== undefined ? html`<code>${JSON.stringify(attempt.answer.slice(0, 60))}</code>` : ""} <span class="muted">${attempt.durationMs} ms</span></div>`)}
          </td>
        </tr>`,
    );

  // Authorizer traffic: a form for POST /sandbox/api/messages and what "the users" got back.
  const authorizedAccounts = data.authorizations
    .filter((authorization) => authorization.revokedAt === undefined)
    .flatMap((authorization) => ctx.state.findAccount(authorization.authorizerAppid) ?? []);
  const sentRows = [...ctx.state.sentMessages.values()]
    .flat()
    .sort((a, b) => b.delivery_id - a.delivery_id)
    .slice(0, 40)
    .map(
      (sent) =>
        html`<tr>
          <td>#${sent.delivery_id}</td>
          <td><code>${sent.appid}</code></td>
          <td>${sent.type}</td>
          <td><code>${sent.from_user}</code></td>
          <td><code>${sent.msg_id ?? ""}</code></td>
          <td>${sent.tries}</td>
          <td class="${sent.status === "replied" || sent.status === "no_reply" ? "ok" : "bad"}">${sent.status}</td>
          <td>
            ${sent.reply ? html`<code>${String(sent.reply.msg_type ?? "")}: ${String(sent.reply.content ?? "").slice(0, 80)}</code>` : ""}
            ${sent.error ? html`<span class="bad">${sent.error}</span>` : ""}
          </td>
        </tr>`,
    );

  const callRows = ctx.state.calls
    .slice(-40)
    .reverse()
    .map(
      (call) =>
        html`<tr>
          <td>#${call.id}</td>
          <td>${call.at.slice(11, 23)}</td>
          <td>${call.endpoint}</td>
          <td class="${call.errcode === 0 ? "ok" : "bad"}">${call.errcode}</td>
          <td>${call.httpStatus}</td>
          <td>${call.durationMs} ms</td>
          <td>${call.fault ?? ""}</td>
          <td><code>${call.authorizerAppid ?? ""}</code></td>
        </tr>`,
    );

  const faultRows = data.faults.map(
    (fault) =>
      html`<tr>
        <td>${fault.id}</td>
        <td>${fault.kind}</td>
        <td>${fault.endpoint ?? "全部"}</td>
        <td>${fault.share}</td>
        <td>${fault.ms ?? ""}</td>
        <td>${fault.remaining ?? "∞"}</td>
        <td>${fault.hits}</td>
      </tr>`,
  );

  const endpoints = [
    ...new Set([
      ...API_ROUTES.map((route) => route.endpoint),
      "component_verify_ticket",
      "authorized",
      "updateauthorized",
      "unauthorized",
      "notify_third_fasteregister",
    ]),
  ];

  const body = html`<header>
      <h1>微信开放平台沙箱 · 控制台</h1>
      <p>
        第三方平台 <b>${ctx.config.component.appid}</b> · 授权事件接收URL ${ctx.config.eventUrl} · 消息与事件接收URL
        ${ctx.config.messageUrl} · 授权发起页域名 ${ctx.config.authDomain} · 时钟 ×${ctx.clock.speed}
      </p>
    </header>
    <main>
      <section>
        <h2>操作</h2>
        <div class="actions">
          <form class="inline" method="post" action="/sandbox/api/push-ticket">
            <button type="submit">立即推送 component_verify_ticket</button>
          </form>
          <form class="inline" method="post" action="/sandbox/api/release-check"><button type="submit">运行全网发布检测</button></form>
          <form class="inline" method="post" action="/sandbox/api/fasteregister"><button type="submit">推送快速注册成功</button></form>
          <form class="inline" method="post" action="/sandbox/api/clock/advance">
            <input name="seconds" size="6" value="7200" aria-label="秒" /><button type="submit">时钟前进（秒）</button>
          </form>
          <form class="inline" method="post" action="/sandbox/api/reset"><button class="warn" type="submit">重置</button></form>
        </div>
        <p class="muted">
          最新
          ticket：${latestTicket ? html`<code>${latestTicket.value.slice(0, 24)}…</code> ${latestTicket.expiresAt > now ? "有效" : "已过期"}` : "尚未推送"}
        </p>
        ${
          args.lastReleaseCheck
            ? html`<p>
                  全网发布检测（${args.lastReleaseCheck.appid}）：<b class="${args.lastReleaseCheck.ok ? "ok" : "bad"}"
                    >${args.lastReleaseCheck.ok ? "通过" : "未通过"}</b
                  >
                </p>
                <ul>
                  ${args.lastReleaseCheck.cases.map((entry) => html`<li class="${entry.ok ? "ok" : "bad"}">${entry.name}: ${entry.ok ? "pass" : "fail"} — ${entry.detail}</li>`)}
                </ul>`
            : ""
        }
      </section>
      <section>
        <h2>授权方（${data.authorizations.length}）</h2>
        <table>
          <thead>
            <tr>
              <th>账号</th>
              <th>类型</th>
              <th>权限集</th>
              <th>授权时间</th>
              <th>状态</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${authorizationRows}
          </tbody>
        </table>
      </section>
      <section id="messages">
        <h2>消息与事件（发往消息与事件接收URL）</h2>
        <form class="inline" method="post" action="/sandbox/api/messages">
          <select name="appid" aria-label="授权方">
            ${authorizedAccounts.map((account) => html`<option value="${account.appid}">${account.nickName} ${account.appid}</option>`)}
          </select>
          <select name="type" aria-label="类型">
            ${MESSAGE_TYPES.map((type) => html`<option value="${type}">${type}（${MESSAGE_SPECS[type].kinds.join("/")}）</option>`)}
          </select>
          <input name="content" size="16" placeholder="文本内容（仅 text）" aria-label="文本内容" /><input
            name="from_user"
            size="8"
            placeholder="用户 user-1"
            aria-label="用户"
          /><input name="count" size="4" placeholder="条数" aria-label="条数" /> <button type="submit">发送</button>
        </form>
        ${authorizedAccounts.length === 0 ? html`<p class="muted">先授权一个账号：微信只为已授权的账号推送消息。</p>` : ""}
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>授权方</th>
              <th>类型</th>
              <th>用户</th>
              <th>MsgId</th>
              <th>尝试</th>
              <th>结果</th>
              <th>用户收到的回复</th>
            </tr>
          </thead>
          <tbody>
            ${sentRows}
          </tbody>
        </table>
      </section>
      <section>
        <h2>故障注入</h2>
        <form class="inline" method="post" action="/sandbox/api/faults">
          <select name="kind" aria-label="类型">
            ${FAULT_KINDS.map((kind) => html`<option>${kind}</option>`)}
          </select>
          <select name="endpoint" aria-label="接口">
            <option value="">全部</option>
            ${endpoints.map((endpoint) => html`<option>${endpoint}</option>`)}
          </select>
          <input name="share" size="4" placeholder="share 0..1" aria-label="比例" /><input
            name="ms"
            size="6"
            placeholder="ms"
            aria-label="毫秒"
          /><input name="count" size="4" placeholder="次数" aria-label="次数" /> <button type="submit">添加</button>
        </form>
        <form class="inline" method="post" action="/sandbox/api/faults/clear"><button class="warn" type="submit">清除全部</button></form>
        <table>
          <thead>
            <tr>
              <th>id</th>
              <th>类型</th>
              <th>接口</th>
              <th>比例</th>
              <th>ms</th>
              <th>剩余</th>
              <th>命中</th>
            </tr>
          </thead>
          <tbody>
            ${faultRows}
          </tbody>
        </table>
      </section>
      <section>
        <h2>推送与消息投递（最近 40 条）</h2>
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>类别</th>
              <th>InfoType</th>
              <th>状态</th>
              <th>尝试</th>
            </tr>
          </thead>
          <tbody>
            ${deliveryRows}
          </tbody>
        </table>
      </section>
      <section>
        <h2>API 调用（最近 40 条）</h2>
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>时间</th>
              <th>接口</th>
              <th>errcode</th>
              <th>HTTP</th>
              <th>耗时</th>
              <th>故障</th>
              <th>授权方</th>
            </tr>
          </thead>
          <tbody>
            ${callRows}
          </tbody>
        </table>
      </section>
      <section>
        <h2>账号（${ctx.state.listAccounts().length}）</h2>
        <p class="muted">${Object.values(KIND_LABELS).join(" / ")}，由 SANDBOX_SEED=${ctx.config.seed} 生成</p>
        <table>
          <thead>
            <tr>
              <th>名称</th>
              <th>appid / 原始ID</th>
              <th>类型</th>
              <th>主体</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${accountRows}
          </tbody>
        </table>
      </section>
    </main>`;

  return html`<!doctype html>
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>微信开放平台沙箱</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        ${body}
      </body>
    </html>`.value;
}
