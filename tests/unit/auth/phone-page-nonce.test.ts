// The phone page (/m/authorize) is plain HTML with a few inline scripts: under the page CSP they run
// only with the nonce proxy.ts sent, so every one of them carries it.
import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { renderPhonePage } from "@/lib/merchant/phone-page";
import type { PublicAttempt } from "@/lib/merchant/types";
import zh from "@/messages/zh-CN.json";

const t = createTranslator({ locale: "zh-CN", messages: zh, namespace: "merchant" });
const text = {
  t: (key: string, values?: Record<string, string | number>) => t(key as never, values as never),
  locale: "zh-CN" as const,
  appName: zh.app.name,
  languageLabel: zh.app.language,
  localeCookie: "portal_locale",
  nonce: "cGhvbmUtcGFnZS1ub25jZQ==",
};
const attempt = {
  id: "dj-x7s3hjEvKB2ckQeZDaA",
  phoneUrl: "https://portal.example.com/m/authorize?attempt=dj-x7s3hjEvKB2ckQeZDaA",
  links: { pc: "https://mp.weixin.qq.com/x", h5: "https://open.weixin.qq.com/y#wechat_redirect" },
} as PublicAttempt;

const scripts = (html: string) => html.match(/<script[^>]*>/g) ?? [];

describe("the phone page under the CSP", () => {
  it.each([
    [
      "forwarding inside WeChat",
      renderPhonePage({ kind: "forward", attempt, h5Link: attempt.links!.h5, returnedPath: "/m/authorize?attempt=x&returned=1" }, text),
    ],
    ["open in WeChat (copy button)", renderPhonePage({ kind: "open_in_wechat", attempt, keepPath: "/m/authorize?attempt=x" }, text)],
  ])("%s: every inline script carries the nonce", (_, html) => {
    expect(scripts(html).length).toBeGreaterThanOrEqual(2);
    for (const tag of scripts(html)) expect(tag).toBe(`<script nonce="${text.nonce}">`);
  });
});
