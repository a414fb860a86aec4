// Images the sandbox serves itself (no remote assets): generated avatars and real, scannable QR codes.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { QRCodeSVG } from "qrcode.react";
import type { SeededAccount } from "../state/accounts";
import { escapeHtml } from "./html";

export function renderQrSvg(value: string, size = 200): string {
  const svg = renderToStaticMarkup(createElement(QRCodeSVG, { value, size, level: "M", marginSize: 2, title: "授权二维码" }));
  // Inline in HTML the namespace is implied; served as an image file (qrcode_url) it is required.
  return svg.startsWith("<svg xmlns") ? svg : svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"');
}

/** The account's first character on a coloured circle, like WeChat's default avatars. */
export function renderAvatarSvg(account: Pick<SeededAccount, "nickName" | "avatarColor">): string {
  const initial = escapeHtml(Array.from(account.nickName)[0] ?? "?");
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132" viewBox="0 0 132 132">',
    `<circle cx="66" cy="66" r="66" fill="${escapeHtml(account.avatarColor)}"/>`,
    `<text x="66" y="66" dy="0.35em" text-anchor="middle" font-size="64" font-family="PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif" fill="#fff">${initial}</text>`,
    "</svg>",
  ].join("");
}
