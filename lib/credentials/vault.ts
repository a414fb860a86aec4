// Encryption at rest for every credential column: AES-256-GCM, a fresh IV per value, the key id
// stored beside the ciphertext so keys can be rotated (new values use the first key; all decrypt).
// The context (e.g. "authorizer:wx123:refresh_token") is bound as associated data, so a ciphertext
// copied into another row or column fails to open instead of yielding someone else's token.
import "server-only";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { getEnv, type EncryptionKey } from "../env";

export type Sealed = { ciphertext: string; keyId: string };

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VaultError";
  }
}

const VERSION = "v1";

export function seal({
  plaintext,
  context,
  keys = getEnv().encryptionKeys,
}: {
  plaintext: string;
  context: string;
  keys?: readonly EncryptionKey[];
}): Sealed {
  const active = keys[0];
  if (!active) throw new VaultError("no encryption key configured");
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", active.key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return {
    ciphertext: `${VERSION}.${iv.toString("base64url")}.${body.toString("base64url")}.${tag.toString("base64url")}`,
    keyId: active.id,
  };
}

export function open({
  sealed,
  context,
  keys = getEnv().encryptionKeys,
}: {
  sealed: Sealed;
  context: string;
  keys?: readonly EncryptionKey[];
}): string {
  const key = keys.find((k) => k.id === sealed.keyId);
  if (!key)
    throw new VaultError(`no encryption key with id "${sealed.keyId}" (was TOKEN_ENCRYPTION_KEY rotated without keeping the old key?)`);
  const [version, iv, body, tag] = sealed.ciphertext.split(".");
  if (version !== VERSION || !iv || body === undefined || !tag) throw new VaultError("not a sealed value");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new VaultError(`cannot decrypt the value sealed for ${context}: wrong key or tampered ciphertext`);
  }
}

/**
 * The same plaintext sealed again under the first key, opened with whichever key sealed it: how a
 * key is retired (lib/credentials/reencrypt.ts). Throws VaultError when no configured key opens it.
 */
export function reseal({
  sealed,
  context,
  keys = getEnv().encryptionKeys,
}: {
  sealed: Sealed;
  context: string;
  keys?: readonly EncryptionKey[];
}): Sealed {
  return seal({ plaintext: open({ sealed, context, keys }), context, keys });
}

/** Convenience for nullable column pairs (xxxEnc, xxxKeyId). */
export function openColumn({
  ciphertext,
  keyId,
  context,
}: {
  ciphertext: string | null;
  keyId: string | null;
  context: string;
}): string | null {
  if (ciphertext === null || keyId === null) return null;
  return open({ sealed: { ciphertext, keyId }, context });
}
