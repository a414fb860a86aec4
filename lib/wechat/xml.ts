// WeChat's XML dialect: a single <xml> root, flat CDATA fields, no attributes.
// Parsing is locked down (no DTDs, no entity expansion) because the body arrives from the internet
// before any signature check in some routes, and appids/tickets must survive as exact strings.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { WECHAT_CRYPTO_ERRORS, WeChatCryptoError } from "./crypto";

/**
 * Thrown for anything that is not a well-formed single-<xml>-root document. It extends
 * WeChatCryptoError with the official -40002 code, so `catch (e) { if (e instanceof WeChatCryptoError) ... }`
 * in a receiver covers both decryption and parsing failures.
 */
export class WeChatXmlError extends WeChatCryptoError {
  constructor(message: string) {
    super(WECHAT_CRYPTO_ERRORS.parseXml, message);
    this.name = "WeChatXmlError";
  }
}

export type XmlValue = string | XmlObject | XmlValue[];
export type XmlObject = { [name: string]: XmlValue };

// WeChat messages are a few KB; anything far larger is not a WeChat payload.
const MAX_XML_LENGTH = 2 * 1024 * 1024;
const CDATA_KEY = "__cdata";
const TEXT_KEY = "#text";
const CDATA_SECTION = /<!\[CDATA\[[\s\S]*?\]\]>/g;
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const parser = new XMLParser({
  ignoreAttributes: true,
  // Keep every value a string: appids, tickets and MsgIds (> 2^53) must not become numbers.
  parseTagValue: false,
  // Entity expansion is the classic XML bomb vector; the five predefined entities are decoded by hand.
  processEntities: false,
  htmlEntities: false,
  // Trimming is done per node below, so CDATA content (user text) is never altered.
  trimValues: false,
  cdataPropName: CDATA_KEY,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

function decodePredefinedEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (whole, body: string) => {
    if (body === "lt") return "<";
    if (body === "gt") return ">";
    if (body === "amp") return "&";
    if (body === "quot") return '"';
    if (body === "apos") return "'";
    const codePoint = body.startsWith("#x") ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    if (!Number.isFinite(codePoint) || codePoint > 0x10ffff) return whole;
    return String.fromCodePoint(codePoint);
  });
}

function joinParts(value: unknown): string {
  if (Array.isArray(value)) return value.map((part) => String(part)).join("");
  return value === undefined ? "" : String(value);
}

/** Turns fast-xml-parser's raw node (with __cdata / #text markers) into plain strings and objects. */
function normalizeNode(node: unknown): XmlValue {
  if (Array.isArray(node)) return node.map((item) => normalizeNode(item));
  if (node === null || node === undefined) return "";
  if (typeof node !== "object") return decodePredefinedEntities(String(node).trim());

  const record = node as Record<string, unknown>;
  const childNames = Object.keys(record).filter((key) => key !== CDATA_KEY && key !== TEXT_KEY);
  const text = joinParts(record[TEXT_KEY]);
  if (childNames.length === 0) {
    const cdata = joinParts(record[CDATA_KEY]);
    // CDATA is verbatim; stray whitespace around it is formatting, not content.
    if (text.trim() === "") return cdata;
    return decodePredefinedEntities(text.trim()) + cdata;
  }
  const result: XmlObject = {};
  for (const name of childNames) {
    result[name] = normalizeNode(record[name]);
  }
  return result;
}

/**
 * Parses a WeChat XML document and returns the children of its <xml> root.
 * Values stay strings (no number parsing), CDATA is unwrapped, nested elements become objects and
 * repeated elements arrays. Throws WeChatXmlError (code -40002) for DTDs, malformed XML or another root.
 */
export function parseXml(text: string): Record<string, unknown> {
  if (typeof text !== "string" || text.trim() === "") throw new WeChatXmlError("empty XML body");
  if (text.length > MAX_XML_LENGTH) throw new WeChatXmlError("XML body too large");

  // A DOCTYPE is never legitimate in a WeChat payload; look outside CDATA so user text may mention one.
  const markup = text.replace(CDATA_SECTION, "");
  if (/<!DOCTYPE/i.test(markup) || /<!ENTITY/i.test(markup)) {
    throw new WeChatXmlError("DOCTYPE and ENTITY declarations are not allowed");
  }

  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    throw new WeChatXmlError(`malformed XML: ${validation.err.msg} (line ${validation.err.line}, col ${validation.err.col})`);
  }

  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new WeChatXmlError(`malformed XML: ${(error as Error).message}`);
  }

  const roots = Object.keys(parsed).filter((key) => key !== TEXT_KEY || joinParts(parsed[key]).trim() !== "");
  if (roots.length !== 1 || roots[0] !== "xml") {
    throw new WeChatXmlError(`expected a single <xml> root, found ${roots.length === 0 ? "none" : roots.join(", ")}`);
  }
  const root = parsed.xml;
  // fast-xml-parser accepts several top-level elements; two <xml> roots arrive as an array.
  if (Array.isArray(root)) throw new WeChatXmlError("expected a single <xml> root, found several");

  const normalized = normalizeNode(root);
  if (typeof normalized === "string") {
    if (normalized.trim() !== "") throw new WeChatXmlError("the <xml> root holds text instead of elements");
    return {};
  }
  return normalized as Record<string, unknown>;
}

function wrapCdata(value: string): string {
  // "]]>" cannot appear inside a CDATA section; split it across two sections so it round-trips.
  return `<![CDATA[${value.split("]]>").join("]]]]><![CDATA[>")}]]>`;
}

/**
 * Builds `<xml><Name><![CDATA[value]]></Name>...</xml>` in field order: strings in CDATA, numbers bare,
 * the format WeChat expects for replies and the sandbox uses for pushes.
 */
export function buildXml(fields: Record<string, string | number>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (!XML_NAME.test(name)) throw new WeChatXmlError(`invalid XML element name: ${JSON.stringify(name)}`);
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new WeChatXmlError(`field ${name} is not a finite number`);
      parts.push(`<${name}>${value}</${name}>`);
      continue;
    }
    parts.push(`<${name}>${wrapCdata(String(value))}</${name}>`);
  }
  return `<xml>${parts.join("")}</xml>`;
}
