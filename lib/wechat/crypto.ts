// WeChat message crypto (消息加解密, "safe mode"): msg_signature, AES-256-CBC with 32-byte PKCS#7 blocks.
// Pure node:crypto so both the portal and the sandbox emulator can share it.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";

export type CryptoConfig = { token: string; encodingAesKey: string; appid: string };

/** Official WXBizMsgCrypt error codes, so logs line up with WeChat's own documentation. */
export const WECHAT_CRYPTO_ERRORS = {
  validateSignature: -40001,
  parseXml: -40002,
  computeSignature: -40003,
  illegalAesKey: -40004,
  validateAppid: -40005,
  encryptAes: -40006,
  decryptAes: -40007,
  illegalBuffer: -40008,
  encodeBase64: -40009,
  decodeBase64: -40010,
  genReturnXml: -40011,
} as const;

export class WeChatCryptoError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = "WeChatCryptoError";
    this.code = code;
  }
}

// WeChat pads to 32 bytes, not AES's 16: a 16-byte PKCS#7 implementation would produce ciphertexts
// WeChat (and every other SDK) rejects.
const BLOCK_SIZE = 32;
const RANDOM_SIZE = 16;
const LENGTH_SIZE = 4;
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

function sha1Hex(input: string): string {
  return createHash("sha1").update(input, "utf8").digest("hex");
}

export function computeMsgSignature(args: { token: string; timestamp: string; nonce: string; encrypt: string }): string {
  return sha1Hex([args.token, args.timestamp, args.nonce, args.encrypt].sort().join(""));
}

export function computePlainSignature(args: { token: string; timestamp: string; nonce: string }): string {
  return sha1Hex([args.token, args.timestamp, args.nonce].sort().join(""));
}

/** Constant-time string comparison; a length mismatch returns false instead of throwing like timingSafeEqual. */
export function safeEqual(a: string, b: string): boolean {
  if (typeof a !== "string" || typeof b !== "string") return false;
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

function decodeAesKey(encodingAesKey: string): Buffer {
  if (typeof encodingAesKey !== "string" || !/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) {
    throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.illegalAesKey, "EncodingAESKey must be 43 base64 characters");
  }
  const key = Buffer.from(`${encodingAesKey}=`, "base64");
  if (key.length !== 32) {
    throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.illegalAesKey, "EncodingAESKey does not decode to 32 bytes");
  }
  return key;
}

function padPkcs7(data: Buffer): Buffer {
  const amount = BLOCK_SIZE - (data.length % BLOCK_SIZE);
  return Buffer.concat([data, Buffer.alloc(amount, amount)]);
}

function unpadPkcs7(data: Buffer): Buffer {
  const last = data[data.length - 1];
  if (last === undefined || last < 1 || last > BLOCK_SIZE || last > data.length) {
    throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.decryptAes, "invalid PKCS#7 padding");
  }
  for (let index = data.length - last; index < data.length; index += 1) {
    if (data[index] !== last) {
      throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.decryptAes, "invalid PKCS#7 padding");
    }
  }
  return data.subarray(0, data.length - last);
}

export class MessageCrypto {
  private readonly token: string;
  private readonly appid: string;
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(config: CryptoConfig) {
    this.key = decodeAesKey(config.encodingAesKey);
    this.iv = this.key.subarray(0, 16);
    this.token = config.token;
    this.appid = config.appid;
  }

  sign(args: { timestamp: string; nonce: string; encrypt: string }): string {
    return computeMsgSignature({ token: this.token, ...args });
  }

  verify(args: { msgSignature: string; timestamp: string; nonce: string; encrypt: string }): boolean {
    const expected = this.sign({ timestamp: args.timestamp, nonce: args.nonce, encrypt: args.encrypt });
    return safeEqual(expected, String(args.msgSignature ?? "").toLowerCase());
  }

  encrypt(plaintext: string, options: { random?: Buffer; appid?: string } = {}): string {
    const random = options.random ?? randomBytes(RANDOM_SIZE);
    if (random.length !== RANDOM_SIZE) {
      throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.encryptAes, "random prefix must be 16 bytes");
    }
    const message = Buffer.from(plaintext, "utf8");
    const length = Buffer.alloc(LENGTH_SIZE);
    length.writeUInt32BE(message.length, 0);
    const appid = Buffer.from(options.appid ?? this.appid, "utf8");
    const padded = padPkcs7(Buffer.concat([random, length, message, appid]));
    try {
      const cipher = createCipheriv("aes-256-cbc", this.key, this.iv);
      cipher.setAutoPadding(false);
      return Buffer.concat([cipher.update(padded), cipher.final()]).toString("base64");
    } catch (error) {
      throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.encryptAes, `AES encryption failed: ${(error as Error).message}`);
    }
  }

  open(encrypt: string): { message: string; appid: string } {
    const compact = typeof encrypt === "string" ? encrypt.replace(/\s+/g, "") : "";
    if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64_PATTERN.test(compact)) {
      throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.decodeBase64, "Encrypt is not valid base64");
    }
    const ciphertext = Buffer.from(compact, "base64");
    if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
      throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.decryptAes, "ciphertext length is not a multiple of the AES block");
    }
    let padded: Buffer;
    try {
      const decipher = createDecipheriv("aes-256-cbc", this.key, this.iv);
      decipher.setAutoPadding(false);
      padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch (error) {
      throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.decryptAes, `AES decryption failed: ${(error as Error).message}`);
    }
    const content = unpadPkcs7(padded);
    if (content.length < RANDOM_SIZE + LENGTH_SIZE) {
      throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.illegalBuffer, "decrypted buffer too short");
    }
    const messageLength = content.readUInt32BE(RANDOM_SIZE);
    const messageStart = RANDOM_SIZE + LENGTH_SIZE;
    if (messageStart + messageLength > content.length) {
      throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.illegalBuffer, "declared message length exceeds the buffer");
    }
    return {
      message: content.subarray(messageStart, messageStart + messageLength).toString("utf8"),
      appid: content.subarray(messageStart + messageLength).toString("utf8"),
    };
  }

  decrypt(encrypt: string): string {
    const opened = this.open(encrypt);
    if (!safeEqual(opened.appid, this.appid)) {
      throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.validateAppid, "trailing appid does not match the configured appid");
    }
    return opened.message;
  }

  /** Verify msg_signature then decrypt; the one call a receiver needs. Throws WeChatCryptoError. */
  decryptVerified(args: { msgSignature: string; timestamp: string; nonce: string; encrypt: string }): string {
    if (!this.verify(args)) {
      throw new WeChatCryptoError(WECHAT_CRYPTO_ERRORS.validateSignature, "msg_signature does not match");
    }
    return this.decrypt(args.encrypt);
  }

  /** Encrypt + sign, for senders (the emulator) and for encrypted replies. */
  seal(args: { plaintext: string; timestamp: string; nonce: string; random?: Buffer }): { encrypt: string; msgSignature: string } {
    const encrypt = this.encrypt(args.plaintext, args.random ? { random: args.random } : {});
    return { encrypt, msgSignature: this.sign({ timestamp: args.timestamp, nonce: args.nonce, encrypt }) };
  }
}
