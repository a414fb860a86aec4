import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import type { PhonePage } from "@/lib/merchant/phone";
import { renderPhonePage, type PhonePageText } from "@/lib/merchant/phone-page";
import type { PublicAttempt } from "@/lib/merchant/types";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";

const textIn = (locale: "zh-CN" | "en"): PhonePageText => {
  const messages = locale === "en" ? en : zh;
  const t = createTranslator({ locale, messages, namespace: "merchant" });
  return {
    t: (key, values) => t(key as never, values as never),
    locale,
    appName: messages.app.name,
    languageLabel: messages.app.language,
    localeCookie: "portal_locale",
  };
};

const attempt = (overrides: Partial<PublicAttempt> = {}): PublicAttempt => ({
  id: "dj-x7s3hjEvKB2ckQeZDaA",
  status: "pending",
  authType: 1,
  bizAppid: null,
  requestedPermissionSets: [],
  expiresAt: "2026-01-01T00:10:00.000Z",
  expiresInMs: 600_000,
  phoneUrl: "https://portal.example.com/m/authorize?attempt=dj-x7s3hjEvKB2ckQeZDaA",
  links: {
    pc: "https://mp.weixin.qq.com/cgi-bin/componentloginpage?x=1",
    h5: "https://open.weixin.qq.com/wxaopen/safe/bindcomponent?a=1&b=2#wechat_redirect",
  },
  codeExpiresInMs: 600_000,
  authorizer: null,
  grantedPermissionSets: null,
  withheldPermissionSets: null,
  failure: null,
  returnTo: null,
  ...overrides,
});

const render = (page: Exclude<PhonePage, { kind: "redirect" }>, locale: "zh-CN" | "en" = "zh-CN") => renderPhonePage(page, textIn(locale));

describe("the phone page's HTML", () => {
  it("inside WeChat moves on at once, from a script at the top of the body, with a link as fallback", () => {
    const a = attempt();
    const returnedPath = `/m/authorize?attempt=${a.id}&returned=1`;
    const page = render({ kind: "forward", attempt: a, h5Link: a.links!.h5, returnedPath });
    const script = page.indexOf("<script>history.replaceState(");
    expect(script).toBeGreaterThan(page.indexOf("<body>"));
    expect(script).toBeLessThan(page.indexOf("<main>"));
    // This history entry becomes the way back (marked), and WeChat's page is a new entry after it.
    expect(page).toContain(`history.replaceState(null,"",${JSON.stringify(returnedPath)});`);
    expect(page).toContain('location.assign("https://open.weixin.qq.com/wxaopen/safe/bindcomponent?a=1&b=2#wechat_redirect")');
    expect(page).not.toContain("location.replace(");
    // Once loaded: a navigation before that would replace this entry instead of adding WeChat's after it.
    expect(page).toMatch(/addEventListener\("load",function\(\)\{setTimeout\(function\(\)\{location\.assign\(/);
    expect(page).toContain('href="https://open.weixin.qq.com/wxaopen/safe/bindcomponent?a=1&amp;b=2#wechat_redirect"');
    expect(page).toContain('<meta name="referrer" content="strict-origin-when-cross-origin">');
    expect(page).toContain("正在打开微信授权页");
    // No framework, no external script.
    expect(page).not.toMatch(/<script[^>]+src=/);
  });

  it("cannot be broken out of: the link inside the script, and names in the markup, are escaped", () => {
    const page = render({
      kind: "forward",
      attempt: attempt(),
      h5Link: "https://open.weixin.qq.com/x?</script><script>alert(1)</script>",
      returnedPath: "/m/authorize?attempt=x&returned=1",
    });
    expect(page).not.toContain("</script><script>alert(1)");
    expect(page).toContain("\\u003c/script>");
    const success = render({
      kind: "success",
      attempt: attempt({
        status: "completed",
        authorizer: {
          appid: "wx0123456789abcdef",
          nickName: '<img src=x onerror="alert(1)">',
          headImg: null,
          accountType: "official_account",
          serviceType: 2,
          verifyType: 0,
        },
        grantedPermissionSets: [],
      }),
    });
    expect(success).not.toContain("<img src=x");
    expect(success).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });

  it("outside WeChat explains, offers the link to copy, and keeps the attempt in the address bar", () => {
    const a = attempt();
    const page = render({ kind: "open_in_wechat", attempt: a, keepPath: "/m/authorize?attempt=dj-x7s3hjEvKB2ckQeZDaA" });
    expect(page).toContain("请在微信中打开");
    expect(page).toContain(`data-testid="copy-value">${a.phoneUrl}</code>`);
    expect(page).toContain("navigator.clipboard");
    expect(page).toContain('history.replaceState(null,"",p)');
    expect(page).not.toContain("<svg");
  });

  it("back from WeChat's page, pending: open it again, or stop the attempt with a form to the portal", () => {
    const a = attempt();
    const page = render(
      { kind: "returned", attempt: a, againPath: `/m/authorize?attempt=${a.id}`, stopPath: `/m/authorize?attempt=${a.id}` },
      "en",
    );
    expect(page).toContain("Not authorized yet");
    expect(page).toContain(`<a class="button" href="/m/authorize?attempt=${a.id}" data-testid="open-again">Open WeChat’s page again</a>`);
    expect(page).toContain(`<form method="post" action="/m/authorize?attempt=${a.id}">`);
    expect(page).toContain("Don’t authorize: stop this attempt");
    // Nothing moves on by itself.
    expect(page).not.toContain("location.assign");
  });

  it("shows the account and the sets granted, and what was not", () => {
    const page = render(
      {
        kind: "success",
        attempt: attempt({
          status: "completed",
          links: null,
          requestedPermissionSets: [
            { id: 1, name: { "zh-CN": "消息管理", en: "Message management" } },
            { id: 7, name: { "zh-CN": "群发与通知", en: "Mass messages and notifications" } },
          ],
          authorizer: {
            appid: "wx0123456789abcdef",
            nickName: "云杉烘焙",
            headImg: "http://wx.qlogo.cn/x/0",
            accountType: "official_account",
            serviceType: 2,
            verifyType: -1,
          },
          grantedPermissionSets: [{ id: 1, name: { "zh-CN": "消息管理", en: "Message management" } }],
          withheldPermissionSets: [{ id: 7, name: { "zh-CN": "群发与通知", en: "Mass messages and notifications" } }],
        }),
      },
      "en",
    );
    expect(page).toContain('<html lang="en">');
    expect(page).toContain("Service account · not verified");
    expect(page).toContain('referrerpolicy="no-referrer"');
    expect(page).toContain("Permission sets granted (1)");
    expect(page).toContain("1 permission set asked for was not granted");
    expect(page).toMatch(/<ul data-testid="withheld-sets"><li data-set-id="7"><span>Mass messages and notifications<\/span>/);
    expect(page).toContain("cannot call the WeChat APIs they cover");
    // Authorize the same account again, asking for every set the link asked for.
    expect(page).toContain(
      'href="/m/authorize?auth_type=1&amp;biz_appid=wx0123456789abcdef&amp;category_id_list=1%7C7" data-testid="regrant"',
    );
    // The warning comes before the list of what was granted.
    expect(page.indexOf('data-testid="withheld"')).toBeLessThan(page.indexOf('data-testid="granted-sets"'));
  });

  it("says what went wrong and what to do, with a retry only when it helps", () => {
    const invalid = render({
      kind: "failure",
      problem: "invalid_query",
      errcode: null,
      retryHref: null,
      fields: ["auth_type", "category_id_list"],
      minutes: null,
    });
    expect(invalid).toContain("auth_type 应为 1 到 6 之间的数字; category_id_list 应为用 | 分隔的权限集编号");
    expect(invalid).not.toContain('data-testid="retry"');
    const expired = render({
      kind: "failure",
      problem: "code_expired",
      errcode: 61010,
      retryHref: "/m/authorize?auth_type=1",
      fields: [],
      minutes: null,
    });
    expect(expired).toContain("微信错误码：61010");
    expect(expired).toContain('<a class="button" href="/m/authorize?auth_type=1" data-testid="retry">重新发起授权</a>');
    const throttled = render({ kind: "failure", problem: "throttled", errcode: null, retryHref: null, fields: [], minutes: 7 }, "en");
    expect(throttled).toContain("Please try again in 7 minutes.");
  });

  it("offers the way back to the provider's site when the attempt had a return_url, and goes there after a few seconds", () => {
    const back = "https://saas.example.com/done?status=failed&attempt_id=a1&reason=cancelled_by_merchant";
    const text = {
      ...textIn("zh-CN"),
      backToMerchant: { link: zh.merchantReturn.link, redirecting: "5 秒后自动返回商户页面。" },
      nonce: "n0nce",
    };
    const failed = renderPhonePage(
      { kind: "failure", problem: "cancelled", errcode: null, retryHref: null, fields: [], minutes: null, returnTo: back },
      text,
    );
    expect(failed).toContain(
      '<a class="button" href="https://saas.example.com/done?status=failed&amp;attempt_id=a1&amp;reason=cancelled_by_merchant" data-testid="return-link">返回商户页面</a>',
    );
    expect(failed).toContain(`<script nonce="n0nce">setTimeout(function(){location.assign(${JSON.stringify(back)})},5000);</script>`);
    const success = renderPhonePage({ kind: "success", attempt: attempt({ status: "completed", links: null, returnTo: back }) }, text);
    expect(success).toContain('data-testid="return-link"');
    // Without a return_url: neither the link nor the script.
    const plain = renderPhonePage({ kind: "success", attempt: attempt({ status: "completed", links: null }) }, text);
    expect(plain).not.toContain("return-link");
    expect(plain).not.toContain("location.assign");
  });
});
