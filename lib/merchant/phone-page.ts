// The phone page as one self-contained HTML document: inline CSS, a few lines of inline script, no
// framework in the browser. Inside WeChat its only job is to move on to WeChat's H5 page, and it
// does so while the HTML is still being parsed; elsewhere it explains, or shows how things ended.
// Pure: the words come in through `t` (next-intl's, scoped to "merchant"). An ended attempt made
// with a return_url shows the way back to the provider's site and goes there after a few seconds.
import { getAccountKindKey, isVerified } from "./account-kind";
import { jsonForScript, markup, raw, type SafeHtml } from "../markup";
import type { PhonePage } from "./phone";
import { RETRYABLE } from "./problems";
import type { NamedPermissionSet, PublicAttempt, PublicAuthorizer } from "./types";
import { buildRegrantPath, PHONE_PAGE_PATH } from "./urls";

export type Translate = (key: string, values?: Record<string, string | number>) => string;

export type PhonePageText = {
  t: Translate;
  locale: "zh-CN" | "en";
  appName: string;
  languageLabel: string;
  /** The cookie the language switch sets (i18n/locales.ts). */
  localeCookie: string;
  /** The Content-Security-Policy nonce of this answer (proxy.ts), put on every inline script. */
  nonce?: string;
  /** The words of the way back to the provider's site ("merchantReturn"). */
  backToMerchant?: { link: string; redirecting: string };
};

/** How long an ended attempt's result shows before the phone goes back to the provider's site. */
export const PHONE_RETURN_DELAY_SECONDS = 5;

const inlineScript = (text: PhonePageText, script: SafeHtml) =>
  text.nonce ? markup`<script nonce="${text.nonce}">${script}</script>` : markup`<script>${script}</script>`;

type RenderablePage = Exclude<PhonePage, { kind: "redirect" }>;

const LANGUAGES = [
  { value: "zh-CN", label: "简体中文" },
  { value: "en", label: "English" },
] as const;

const STYLE = `*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Segoe UI",Roboto,sans-serif;color:#1f2329;background:#f6f7f9;line-height:1.6;-webkit-text-size-adjust:100%}
html:lang(en) body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans","DejaVu Sans","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
.top{display:flex;align-items:center;justify-content:space-between;gap:8px 12px;flex-wrap:wrap;padding:10px 16px;background:#fff;border-bottom:1px solid #e4e6eb}
.brand{font-weight:600;font-size:15px}
.lang{font-size:14px;color:#646a73;display:inline-flex;gap:6px;align-items:center}
.lang select{font:inherit;min-height:32px}
main{max-width:560px;margin:0 auto;padding:20px 16px 40px}
.panel{background:#fff;border:1px solid #e4e6eb;border-radius:10px;padding:20px 16px;min-width:0}
h1{font-size:22px;line-height:1.3;margin:0 0 10px}
h2{font-size:15px;margin:16px 0 8px}
h1:focus{outline:none}
p{margin:0 0 12px}
.center{text-align:center}
.muted{color:#646a73;font-size:14px}
.status::before{content:"";display:inline-block;width:8px;height:8px;border-radius:50%;background:#07c160;margin-right:8px;vertical-align:middle;animation:p 1.6s ease-in-out infinite}
@keyframes p{50%{opacity:.25}}
@media (prefers-reduced-motion:reduce){.status::before{animation:none}}
.button{display:flex;align-items:center;justify-content:center;width:100%;min-height:44px;padding:10px 18px;border-radius:8px;border:1px solid transparent;background:#067a3b;color:#fff;font:inherit;font-size:15px;text-decoration:none;cursor:pointer;margin-top:12px}
.button.secondary{background:#fff;color:#1f2329;border-color:#c9cdd4}
form{margin:0}
.button:focus-visible,a:focus-visible,select:focus-visible{outline:3px solid #1f6feb;outline-offset:2px}
a{color:#1f6feb}
ol{margin:0 0 12px;padding-left:1.3em;color:#646a73;font-size:14px}
.link{display:block;padding:10px 12px;margin:8px 0 0;background:#f6f7f9;border:1px solid #e4e6eb;border-radius:8px;font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all;user-select:all}
.note{min-height:1.5em;font-size:14px;color:#646a73;margin-top:8px}
.icon{width:56px;height:56px;border-radius:50%;display:inline-flex;align-items:center;justify-content:center;font-size:30px;font-weight:700;color:#fff;margin:4px auto 12px}
.ok{background:#067a3b}.bad{background:#b35900}
.account{display:flex;align-items:center;gap:12px;padding:12px;border:1px solid #e4e6eb;border-radius:10px;margin:12px 0;min-width:0}
.avatar{width:56px;height:56px;border-radius:50%;flex:none;background:#eef0f3;object-fit:cover}
.info{min-width:0;display:grid;gap:2px}
.name{font-weight:600;overflow-wrap:anywhere}
.meta{font-size:13px;color:#646a73;overflow-wrap:anywhere}
ul{list-style:none;margin:0;padding:0}
li{padding:8px 0;border-bottom:1px solid #e4e6eb;font-size:14px;display:flex;justify-content:space-between;gap:8px}
li:last-child{border-bottom:0}
.id{color:#646a73;font-size:12px;flex:none}
.warn{font-size:14px;padding:12px;background:#fff8e6;border:1px solid #f0d9a8;border-radius:8px;color:#5c4300;margin:12px 0}
.warn h2{margin:0 0 6px;color:#5c4300}.warn p{margin:8px 0 0}.warn li{border-color:#f0d9a8}.warn .id{color:#5c4300}
.code{font-size:12px;color:#646a73}`;

function layout({ text, title, body, script }: { text: PhonePageText; title: string; body: SafeHtml; script?: SafeHtml }): string {
  const options = LANGUAGES.map(
    (language) =>
      markup`<option value="${language.value}"${raw(language.value === text.locale ? " selected" : "")}>${language.label}</option>`,
  );
  const switchScript = raw(
    `document.getElementById("lang").addEventListener("change",function(e){document.cookie=${jsonForScript(text.localeCookie).value}+"="+e.target.value+";path=/;max-age=31536000;samesite=lax";location.reload()});`,
  );
  return markup`<!doctype html>
<html lang="${text.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="strict-origin-when-cross-origin"><meta name="robots" content="noindex,nofollow">
<title>${title}</title><style>${raw(STYLE)}</style></head>
<body>${script ? inlineScript(text, script) : ""}<header class="top"><span class="brand">${text.appName}</span>
<label class="lang"><span>${text.languageLabel}</span><select id="lang">${options}</select></label></header>
<main>${body}</main>
${inlineScript(text, switchScript)}</body></html>`.value;
}

function setList(sets: readonly NamedPermissionSet[], locale: PhonePageText["locale"], testId: string): SafeHtml {
  const items = sets.map(
    (set) => markup`<li data-set-id="${set.id}"><span>${set.name[locale]}</span><span class="id" aria-hidden="true">#${set.id}</span></li>`,
  );
  return markup`<ul data-testid="${testId}">${items}</ul>`;
}

function accountCard(authorizer: PublicAuthorizer, t: Translate): SafeHtml {
  const kind = t(`account.kind.${getAccountKindKey(authorizer)}`);
  const verified = isVerified(authorizer.verifyType);
  const label = verified === null ? kind : `${kind} · ${t(verified ? "account.verified" : "account.unverified")}`;
  const avatar = authorizer.headImg
    ? markup`<img class="avatar" src="${authorizer.headImg}" alt="" width="56" height="56" referrerpolicy="no-referrer">`
    : markup`<span class="avatar" aria-hidden="true"></span>`;
  return markup`<div class="account" data-testid="authorizer">${avatar}<div class="info">
<span class="name" data-testid="authorizer-name">${authorizer.nickName ?? authorizer.appid}</span>
<span class="meta" data-testid="authorizer-kind">${label}</span>
<span class="meta">AppID ${authorizer.appid}</span></div></div>`;
}

/** The link back to the provider's site and, after PHONE_RETURN_DELAY_SECONDS, the same navigation. */
function returnToMerchant(returnTo: string | null | undefined, text: PhonePageText): SafeHtml | string {
  if (!returnTo || !text.backToMerchant) return "";
  const script = raw(`setTimeout(function(){location.assign(${jsonForScript(returnTo).value})},${PHONE_RETURN_DELAY_SECONDS * 1000});`);
  return markup`<a class="button" href="${returnTo}" data-testid="return-link">${text.backToMerchant.link}</a>
<p class="note" role="status">${text.backToMerchant.redirecting}</p>${inlineScript(text, script)}`;
}

function successBody(attempt: PublicAttempt, text: PhonePageText): SafeHtml {
  const { t, locale } = text;
  const granted = attempt.grantedPermissionSets ?? [];
  const withheld = attempt.withheldPermissionSets ?? [];
  const name = attempt.authorizer?.nickName ?? attempt.authorizer?.appid ?? "";
  const regrant = buildRegrantPath({ path: PHONE_PAGE_PATH, attempt });
  const withheldBlock = withheld.length
    ? markup`<section class="warn" data-testid="withheld" aria-labelledby="withheld-heading">
<h2 id="withheld-heading">${t("success.withheldTitle", { count: withheld.length })}</h2>
${setList(withheld, locale, "withheld-sets")}
<p>${t("success.withheldBody")}</p><p>${t("success.withheldNext")}</p>
<a class="button secondary" href="${regrant}" data-testid="regrant">${t("success.regrant")}</a></section>`
    : "";
  return markup`<section class="panel" data-testid="attempt-success">
<div class="center"><span class="icon ok" aria-hidden="true">✓</span><h1>${t("success.title")}</h1>
<p>${name ? t("success.body", { name }) : t("success.bodyAnonymous")}</p></div>
${attempt.authorizer ? accountCard(attempt.authorizer, t) : ""}
${withheldBlock}
<h2>${t("success.granted", { count: granted.length })}</h2>
${granted.length > 0 ? setList(granted, locale, "granted-sets") : markup`<p class="muted">${t("success.noneGranted")}</p>`}
<p class="muted">${t("success.next")}</p>${returnToMerchant(attempt.returnTo, text)}</section>`;
}

/** Back from WeChat's page without authorizing: WeChat told no one, so the admin says what now. */
function returnedBody(page: Extract<RenderablePage, { kind: "returned" }>, text: PhonePageText): SafeHtml {
  const { t } = text;
  return markup`<section class="panel" data-testid="returned">
<h1>${t("mobile.returnedTitle")}</h1><p>${t("mobile.returnedBody")}</p>
<a class="button" href="${page.againPath}" data-testid="open-again">${t("mobile.returnedAgain")}</a>
<form method="post" action="${page.stopPath}"><button type="submit" class="button secondary" data-testid="stop">${t("mobile.returnedStop")}</button></form>
<p class="muted">${t("mobile.returnedNote")}</p></section>`;
}

function failureBody(page: Extract<RenderablePage, { kind: "failure" }>, text: PhonePageText): SafeHtml {
  const { t } = text;
  const values: Record<string, string | number> = {
    fields: page.fields.map((field) => t(`fields.${field}`)).join("; "),
    minutes: page.minutes ?? 1,
  };
  const key = `problem.${page.problem}`;
  const retry = page.retryHref && RETRYABLE.has(page.problem);
  return markup`<section class="panel" data-testid="attempt-failure" data-problem="${page.problem}">
<div class="center"><span class="icon bad" aria-hidden="true">!</span><h1>${t(`${key}.title`)}</h1></div>
<p>${t(`${key}.body`, values)}</p>
${page.errcode !== null ? markup`<p class="code">${t("problem.errcode", { errcode: page.errcode })}</p>` : ""}
<p class="muted">${t(`${key}.next`, values)}</p>
${retry ? markup`<a class="button" href="${page.retryHref}" data-testid="retry">${t("problem.retry")}</a>` : ""}
${returnToMerchant(page.returnTo, text)}</section>`;
}

/** The copy button and the address bar (outside WeChat): plain DOM, a few hundred bytes. */
function openInWeChatScript({ keepPath, copied, copyFailed }: { keepPath: string; copied: string; copyFailed: string }): SafeHtml {
  return raw(
    `(function(){var p=${jsonForScript(keepPath).value};if(location.pathname+location.search!==p)history.replaceState(null,"",p);` +
      `var b=document.getElementById("copy"),n=document.getElementById("copy-status"),v=document.getElementById("copy-value");` +
      `function sel(){var r=document.createRange();r.selectNodeContents(v);var s=getSelection();s.removeAllRanges();s.addRange(r)}` +
      `b.addEventListener("click",function(){var ok=function(){n.textContent=${jsonForScript(copied).value}},` +
      `ko=function(){sel();n.textContent=${jsonForScript(copyFailed).value}};` +
      `navigator.clipboard&&navigator.clipboard.writeText?navigator.clipboard.writeText(v.textContent).then(ok,ko):ko()})})();`,
  );
}

export function renderPhonePage(page: RenderablePage, text: PhonePageText): string {
  const { t } = text;
  const title = t("mobile.metaTitle");
  switch (page.kind) {
    case "forward":
      return layout({
        text,
        title,
        // Runs while the HTML is parsed: nothing else on this page needs to load first. This entry stays
        // in the phone's history, marked, so coming back from WeChat's page (after a cancel there,
        // which WeChat reports to no one) asks what to do instead of forwarding again. A navigation
        // made before the document has loaded replaces its entry (HTML's navigate algorithm), so
        // WeChat's page is opened once this tiny page has loaded, as an entry of its own.
        script: raw(
          `history.replaceState(null,"",${jsonForScript(page.returnedPath).value});` +
            `addEventListener("pageshow",function(e){if(e.persisted)location.reload()});` +
            `addEventListener("load",function(){setTimeout(function(){location.assign(${jsonForScript(page.h5Link).value})},0)});`,
        ),
        body: markup`<section class="panel center" data-testid="forwarding">
<h1>${t("mobile.forwardingTitle")}</h1><p class="status" role="status">${t("mobile.forwarding")}</p>
<p class="muted"><a href="${page.h5Link}" data-testid="forward-link">${t("mobile.forwardingFallback")}</a></p></section>`,
      });
    case "open_in_wechat": {
      const script = openInWeChatScript({ keepPath: page.keepPath, copied: t("mobile.copied"), copyFailed: t("mobile.copyFailed") });
      // The script binds to the button, so it comes after it.
      const body = markup`<section class="panel" data-testid="open-in-wechat">
<h1>${t("mobile.openInWeChatTitle")}</h1><p>${t("mobile.openInWeChatBody")}</p>
<ol><li>${t("mobile.stepCopy")}</li><li>${t("mobile.stepPaste")}</li><li>${t("mobile.stepOpen")}</li></ol>
<code class="link" id="copy-value" data-testid="copy-value">${page.attempt.phoneUrl}</code>
<button type="button" class="button" id="copy" data-testid="copy-link">${t("mobile.copy")}</button>
<p class="note" id="copy-status" role="status" data-testid="copy-status"></p></section>${inlineScript(text, script)}`;
      return layout({ text, title, body });
    }
    case "returned":
      return layout({ text, title: t("mobile.returnedTitle"), body: returnedBody(page, text) });
    case "success":
      return layout({ text, title: t("success.title"), body: successBody(page.attempt, text) });
    case "failure":
      return layout({ text, title: t(`problem.${page.problem}.title`), body: failureBody(page, text) });
  }
}
