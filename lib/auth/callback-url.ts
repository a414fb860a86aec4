// Where staff go after signing in (?callbackUrl=, next-auth's redirect). Only somewhere on the portal
// itself: the value is resolved the way a browser would resolve it (backslashes, tabs and newlines,
// "//host", other schemes) and kept only when the result is on the portal's own origin.
export const DEFAULT_CALLBACK_PATH = "/console";

/** A same-origin path (with query and fragment) for `value`, or /console. */
export function resolveCallbackPath(value: unknown, { baseUrl }: { baseUrl: string }): string {
  if (typeof value !== "string" || value === "") return DEFAULT_CALLBACK_PATH;
  let base: URL;
  let url: URL;
  try {
    base = new URL(baseUrl);
    url = new URL(value, base);
  } catch {
    return DEFAULT_CALLBACK_PATH;
  }
  if (url.origin !== base.origin) return DEFAULT_CALLBACK_PATH;
  // "/.//evil.example" resolves to the path "//evil.example", which a browser reads as another host.
  if (url.pathname.startsWith("//")) return DEFAULT_CALLBACK_PATH;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The same, as an absolute URL on the portal (what next-auth's redirect callback returns). */
export function resolveCallbackUrl(value: unknown, { baseUrl }: { baseUrl: string }): string {
  return new URL(resolveCallbackPath(value, { baseUrl }), baseUrl).href;
}
