// Loads the WeChat conformance material copied into tests/fixtures/wechat-vectors (see its SOURCES.md):
// the one copy, read by the portal's tests and the sandbox's.
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const VECTORS_DIR = fileURLToPath(new URL("../../fixtures/wechat-vectors/", import.meta.url));

export function readFixture(relativePath: string): string {
  return readFileSync(`${VECTORS_DIR}${relativePath}`, "utf8");
}

export function readJsonFixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFixture(relativePath)) as T;
}

export function listFixtures(folder: string, extension: string): string[] {
  return readdirSync(`${VECTORS_DIR}${folder}`)
    .filter((name) => name.endsWith(extension))
    .sort();
}

export type Vector = {
  id: string;
  scope: string;
  kind: "decrypt" | "decrypt_only" | "encrypt_deterministic" | "echostr" | "plain_signature" | "signature_only";
  token: string;
  encoding_aes_key?: string | null;
  appid?: string | null;
  msg_signature?: string | null;
  timestamp?: string | null;
  nonce?: string | null;
  encrypt?: string;
  signature?: string;
  random?: string;
  post_body?: string;
  plain_signature_param?: string;
  expected: {
    signature_valid?: boolean;
    appid?: string;
    appid_matches?: boolean;
    decrypts?: boolean;
    decrypt_fails?: boolean;
    decrypted_plaintext?: string;
    decrypted_appid?: string;
    plaintext?: string;
    reply_xml?: string;
    contains?: string[];
    fields?: Record<string, string>;
    component_appid_in_source?: string;
  };
};

export function loadVectors(): Vector[] {
  return readJsonFixture<{ vectors: Vector[] }>("vectors.json").vectors;
}

/** Fails loudly instead of letting a test run against a missing field. */
export function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`fixture is missing ${what}`);
  return value;
}
