// Where webhooks may go. In production an endpoint is https on a public host: the portal must not be a
// way into the provider's private network (SSRF). WEBHOOK_ALLOW_PRIVATE=true (the demo, the tests) also
// lets http and loopback/private addresses through. The URL is checked when an endpoint is saved; the
// address it resolves to is checked again on every connection (send.ts), so a DNS answer that
// changes to a private address later is refused too.
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { getEnv } from "../env";

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

const PRIVATE_NAMES = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa)$/i;

/** True for loopback, private, link-local, carrier-grade NAT, multicast, reserved... anything but unicast. */
export function isNonPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  const parsed = ipaddr.process(address);
  return parsed.range() !== "unicast";
}

export function checkEndpointUrl(value: string, { allowPrivate = getEnv().hub.allowPrivateWebhooks } = {}): UrlVerdict {
  if (!URL.canParse(value)) return { ok: false, reason: "is not an absolute URL (e.g. https://saas.example.com/wechat/webhooks)" };
  const url = new URL(value);
  if (url.username || url.password) return { ok: false, reason: "must not carry a user name or password" };
  if (url.hash) return { ok: false, reason: "must not have a #fragment" };
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    return { ok: false, reason: allowPrivate ? "must be http or https" : "must be https (WEBHOOK_ALLOW_PRIVATE=true allows http)" };
  }
  if (!allowPrivate) {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) !== 0 ? isNonPublicAddress(host) : PRIVATE_NAMES.test(host) || !host.includes(".")) {
      return { ok: false, reason: "must be on a public host (WEBHOOK_ALLOW_PRIVATE=true allows loopback and private addresses)" };
    }
  }
  return { ok: true, url };
}
