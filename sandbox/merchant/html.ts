// The sandbox's pages use the portal's escaping template tag (lib/markup.ts) under the name `html`.
export { escapeHtml, jsonForScript, markup as html, raw, SafeHtml } from "../../lib/markup";
