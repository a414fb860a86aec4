import { describe, expect, it } from "vitest";
import { MessageCrypto, WeChatCryptoError, computeMsgSignature, computePlainSignature, safeEqual } from "@/lib/wechat/crypto";
import { buildEncryptedReply } from "@/lib/wechat/authorizer-message";
import { parseEnvelope } from "@/lib/wechat/push-envelope";
import { parseXml } from "@/lib/wechat/xml";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { loadVectors, required, type Vector } from "./fixtures";

const vectors = loadVectors();
const byKind = (kind: Vector["kind"]) => vectors.filter((vector) => vector.kind === kind);

function cryptoFor(vector: Vector, appid?: string): MessageCrypto {
  return new MessageCrypto({
    token: vector.token,
    encodingAesKey: required(vector.encoding_aes_key, `${vector.id}.encoding_aes_key`),
    appid: appid ?? required(vector.appid, `${vector.id}.appid`),
  });
}

function verifiedArgs(vector: Vector) {
  return {
    msgSignature: required(vector.msg_signature, `${vector.id}.msg_signature`),
    timestamp: required(vector.timestamp, `${vector.id}.timestamp`),
    nonce: required(vector.nonce, `${vector.id}.nonce`),
    encrypt: required(vector.encrypt, `${vector.id}.encrypt`),
  };
}

function expectCryptoError(run: () => unknown, code: number): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected WeChatCryptoError ${code}`).toBeInstanceOf(WeChatCryptoError);
  expect((caught as WeChatCryptoError).code).toBe(code);
}

const isPositive = (vector: Vector) =>
  vector.expected.signature_valid !== false && vector.expected.appid_matches !== false && vector.expected.decrypt_fails !== true;

describe("vectors.json", () => {
  it("has vectors of every kind, so the loops below cannot silently test nothing", () => {
    const counts = Object.fromEntries(
      (["decrypt", "decrypt_only", "encrypt_deterministic", "echostr", "plain_signature", "signature_only"] as const).map((kind) => [
        kind,
        byKind(kind).length,
      ]),
    );
    for (const count of Object.values(counts)) expect(count).toBeGreaterThan(0);
    // Every vector has a kind handled here: an unknown kind would otherwise be skipped.
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(vectors.length);
    // Negative vectors exist and are exercised.
    expect(vectors.filter((vector) => !isPositive(vector)).length).toBeGreaterThanOrEqual(4);
  });
});

describe.each(
  byKind("decrypt")
    .concat(byKind("echostr"))
    .map((vector) => [vector.id, vector] as const),
)("%s", (_id, vector) => {
  if (isPositive(vector)) {
    it("verifies the signature and decrypts to the expected plaintext", () => {
      const crypto = cryptoFor(vector);
      expect(crypto.verify(verifiedArgs(vector))).toBe(true);
      const plaintext = crypto.decryptVerified(verifiedArgs(vector));
      const expected = vector.expected.decrypted_plaintext ?? vector.expected.plaintext;
      expect(expected, "vector carries an expected plaintext").toBeTypeOf("string");
      expect(plaintext).toBe(expected);
      for (const fragment of vector.expected.contains ?? []) expect(plaintext).toContain(fragment);
      if (vector.expected.fields !== undefined) {
        const fields = parseXml(plaintext);
        for (const [name, value] of Object.entries(vector.expected.fields)) expect(fields[name], name).toBe(value);
      }
      expect(crypto.open(required(vector.encrypt, "encrypt")).appid).toBe(vector.expected.decrypted_appid ?? vector.appid);
    });

    it("is rejected with -40001 when the signature is tampered with", () => {
      const args = verifiedArgs(vector);
      const flipped = args.msgSignature.replace(/^./, (c) => (c === "0" ? "1" : "0"));
      expectCryptoError(() => cryptoFor(vector).decryptVerified({ ...args, msgSignature: flipped }), -40001);
      expectCryptoError(() => cryptoFor(vector).decryptVerified({ ...args, nonce: `${args.nonce}1` }), -40001);
    });

    it("is rejected with -40005 when a different appid is expected", () => {
      expectCryptoError(() => cryptoFor(vector, "wx0000000000000000").decryptVerified(verifiedArgs(vector)), -40005);
    });
  }

  if (vector.expected.signature_valid === false) {
    it("NEGATIVE: signature mismatch is rejected with -40001", () => {
      const crypto = cryptoFor(vector);
      expect(crypto.verify(verifiedArgs(vector))).toBe(false);
      expectCryptoError(() => crypto.decryptVerified(verifiedArgs(vector)), -40001);
    });
  }

  if (vector.expected.signature_valid === false && vector.expected.decrypts === true) {
    it("NEGATIVE: the ciphertext itself still decrypts (only the signature is wrong)", () => {
      expect(cryptoFor(vector).decrypt(required(vector.encrypt, "encrypt"))).toBe(vector.expected.decrypted_plaintext);
    });
  }

  if (vector.expected.decrypt_fails === true) {
    it("NEGATIVE: decryption with the published key is rejected with -40007 (bad padding)", () => {
      expectCryptoError(() => cryptoFor(vector).open(required(vector.encrypt, "encrypt")), -40007);
    });
  }

  if (vector.expected.appid_matches === false) {
    it("NEGATIVE: trailing appid mismatch is rejected with -40005 after a valid signature", () => {
      const crypto = cryptoFor(vector);
      expect(crypto.verify(verifiedArgs(vector))).toBe(true);
      expectCryptoError(() => crypto.decryptVerified(verifiedArgs(vector)), -40005);
      expectCryptoError(() => crypto.decrypt(required(vector.encrypt, "encrypt")), -40005);
      // open() skips the check and reports the appid actually inside.
      expect(crypto.open(required(vector.encrypt, "encrypt"))).toEqual({
        message: vector.expected.decrypted_plaintext,
        appid: vector.expected.decrypted_appid,
      });
    });
  }

  if (vector.post_body !== undefined && vector.post_body.includes("<Encrypt>")) {
    it("its published POST body yields the same Encrypt through parseEnvelope", () => {
      const envelope = parseEnvelope(required(vector.post_body, "post_body"));
      expect(envelope.encrypt).toBe(vector.encrypt);
    });
  }

  if (vector.plain_signature_param !== undefined) {
    it("the URL `signature` parameter matches the plain signature", () => {
      expect(
        computePlainSignature({
          token: vector.token,
          timestamp: required(vector.timestamp, "timestamp"),
          nonce: required(vector.nonce, "nonce"),
        }),
      ).toBe(vector.plain_signature_param);
    });
  }
});

describe.each(byKind("encrypt_deterministic").map((vector) => [vector.id, vector] as const))("%s", (_id, vector) => {
  const random = Buffer.from(required(vector.random, "random"), "utf8");
  const plaintext = required(vector.expected.plaintext, "expected.plaintext");

  it("reproduces the published ciphertext byte for byte with the fixed random prefix", () => {
    expect(random.length).toBe(16);
    expect(cryptoFor(vector).encrypt(plaintext, { random })).toBe(vector.encrypt);
  });

  it("decrypts its own ciphertext back", () => {
    expect(cryptoFor(vector).decrypt(required(vector.encrypt, "encrypt"))).toBe(plaintext);
  });

  if (vector.msg_signature && vector.timestamp && vector.nonce) {
    it("seal() returns the published ciphertext and msg_signature", () => {
      const sealed = cryptoFor(vector).seal({
        plaintext,
        timestamp: required(vector.timestamp, "ts"),
        nonce: required(vector.nonce, "nonce"),
        random,
      });
      expect(sealed).toEqual({ encrypt: vector.encrypt, msgSignature: vector.msg_signature });
    });
  }

  if (vector.expected.reply_xml !== undefined) {
    it("buildEncryptedReply() carries the same fields as the published reply XML", () => {
      const reply = buildEncryptedReply({
        crypto: cryptoFor(vector),
        plaintext,
        timestamp: required(vector.timestamp, "timestamp"),
        nonce: required(vector.nonce, "nonce"),
        random,
      });
      expect(parseXml(reply)).toEqual(parseXml(required(vector.expected.reply_xml, "reply_xml")));
      expect(reply).toContain(`<TimeStamp>${vector.timestamp}</TimeStamp>`);
    });
  }
});

describe.each(byKind("decrypt_only").map((vector) => [vector.id, vector] as const))("%s", (_id, vector) => {
  const encrypt = required(vector.encrypt, "encrypt");
  const componentAppid = required(vector.expected.component_appid_in_source, "component_appid_in_source");
  const crypto = new MessageCrypto({
    token: vector.token,
    encodingAesKey: required(vector.encoding_aes_key, "key"),
    appid: componentAppid,
  });

  it("opens to the derived plaintext and trailing appid", () => {
    expect(crypto.open(encrypt)).toEqual({ message: vector.expected.decrypted_plaintext, appid: vector.expected.decrypted_appid });
  });

  it("decrypt() accepts it only when the trailing appid is the component appid (-40005 otherwise)", () => {
    if (vector.expected.decrypted_appid === componentAppid) {
      expect(crypto.decrypt(encrypt)).toBe(vector.expected.decrypted_plaintext);
    } else {
      expectCryptoError(() => crypto.decrypt(encrypt), -40005);
    }
  });
});

describe.each(byKind("plain_signature").map((vector) => [vector.id, vector] as const))("%s", (_id, vector) => {
  const args = { token: vector.token, timestamp: required(vector.timestamp, "timestamp"), nonce: required(vector.nonce, "nonce") };

  it("computes the published signature", () => {
    expect(computePlainSignature(args)).toBe(vector.signature);
  });

  it("a different token gives a different signature", () => {
    expect(computePlainSignature({ ...args, token: `${args.token}x` })).not.toBe(vector.signature);
  });
});

describe.each(byKind("signature_only").map((vector) => [vector.id, vector] as const))("%s", (_id, vector) => {
  const args = {
    token: vector.token,
    timestamp: required(vector.timestamp, "timestamp"),
    nonce: required(vector.nonce, "nonce"),
    encrypt: required(vector.encrypt, "encrypt"),
  };

  it("computes the published msg_signature", () => {
    expect(computeMsgSignature(args)).toBe(vector.msg_signature);
  });

  it("a changed Encrypt gives a different msg_signature", () => {
    expect(computeMsgSignature({ ...args, encrypt: `${args.encrypt}A` })).not.toBe(vector.msg_signature);
  });
});

describe("MessageCrypto", () => {
  const config = { token: DEMO_COMPONENT.token, encodingAesKey: DEMO_COMPONENT.encodingAesKey, appid: DEMO_COMPONENT.appid };

  it("rejects an EncodingAESKey that is not 43 base64 characters with -40004", () => {
    expectCryptoError(() => new MessageCrypto({ ...config, encodingAesKey: "short" }), -40004);
    expectCryptoError(() => new MessageCrypto({ ...config, encodingAesKey: `${config.encodingAesKey}A` }), -40004);
    expectCryptoError(() => new MessageCrypto({ ...config, encodingAesKey: `${config.encodingAesKey.slice(0, 42)}!` }), -40004);
  });

  it("round-trips unicode and multi-block messages through seal/decryptVerified", () => {
    const crypto = new MessageCrypto(config);
    for (const plaintext of ["", "a", "x".repeat(31), "x".repeat(32), "中文 🎉 <xml/>".repeat(50)]) {
      const sealed = crypto.seal({ plaintext, timestamp: "1700000000", nonce: "n0nce" });
      expect(
        crypto.decryptVerified({ msgSignature: sealed.msgSignature, timestamp: "1700000000", nonce: "n0nce", encrypt: sealed.encrypt }),
      ).toBe(plaintext);
    }
  });

  it("pads to 32-byte blocks: a plaintext filling exactly a block gains a full 32-byte pad block", () => {
    const crypto = new MessageCrypto(config);
    // 16 random + 4 length + msg + 18-char appid = 32 * 2 when msg is 26 bytes.
    const encrypt = crypto.encrypt("m".repeat(26), { random: Buffer.alloc(16) });
    expect(Buffer.from(encrypt, "base64").length).toBe(96);
    const shorter = crypto.encrypt("m".repeat(25), { random: Buffer.alloc(16) });
    expect(Buffer.from(shorter, "base64").length).toBe(64);
  });

  it("uses a fresh random prefix per encryption unless one is given", () => {
    const crypto = new MessageCrypto(config);
    expect(crypto.encrypt("same")).not.toBe(crypto.encrypt("same"));
    const random = Buffer.from("0123456789abcdef");
    expect(crypto.encrypt("same", { random })).toBe(crypto.encrypt("same", { random }));
  });

  it("encrypt({ appid }) embeds another appid, which decrypt() then refuses with -40005", () => {
    const crypto = new MessageCrypto(config);
    const encrypt = crypto.encrypt("hello", { appid: "wx1111111111111111" });
    expect(crypto.open(encrypt)).toEqual({ message: "hello", appid: "wx1111111111111111" });
    expectCryptoError(() => crypto.decrypt(encrypt), -40005);
  });

  it("rejects bad base64 with -40010 and a ciphertext of the wrong length with -40007", () => {
    const crypto = new MessageCrypto(config);
    expectCryptoError(() => crypto.open("not base64!!"), -40010);
    expectCryptoError(() => crypto.open(""), -40010);
    expectCryptoError(() => crypto.open(Buffer.alloc(20).toString("base64")), -40007);
  });

  it("rejects padding bytes outside 1..32 or inconsistent padding with -40007", () => {
    const crypto = new MessageCrypto(config);
    const key = Buffer.from(`${config.encodingAesKey}=`, "base64");
    const encryptRaw = async (plain: Buffer) => {
      const { createCipheriv } = await import("node:crypto");
      const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
      cipher.setAutoPadding(false);
      return Buffer.concat([cipher.update(plain), cipher.final()]).toString("base64");
    };
    return Promise.all([
      encryptRaw(Buffer.alloc(64, 0)).then((encrypt) => expectCryptoError(() => crypto.open(encrypt), -40007)),
      encryptRaw(Buffer.alloc(64, 33)).then((encrypt) => expectCryptoError(() => crypto.open(encrypt), -40007)),
      encryptRaw(Buffer.concat([Buffer.alloc(63, 1), Buffer.from([4])])).then((encrypt) =>
        expectCryptoError(() => crypto.open(encrypt), -40007),
      ),
    ]);
  });

  it("rejects a declared length larger than the buffer with -40008", async () => {
    const crypto = new MessageCrypto(config);
    const key = Buffer.from(`${config.encodingAesKey}=`, "base64");
    const { createCipheriv } = await import("node:crypto");
    const body = Buffer.concat([Buffer.alloc(16), Buffer.from([0, 0, 1, 0]), Buffer.from("short")]);
    const pad = 32 - (body.length % 32);
    const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
    cipher.setAutoPadding(false);
    const encrypt = Buffer.concat([cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])), cipher.final()]).toString("base64");
    expectCryptoError(() => crypto.open(encrypt), -40008);
  });

  it("verify() accepts an upper-case msg_signature and rejects a wrong-length one without throwing", () => {
    const crypto = new MessageCrypto(config);
    const signature = crypto.sign({ timestamp: "1", nonce: "2", encrypt: "abc" });
    expect(crypto.verify({ msgSignature: signature.toUpperCase(), timestamp: "1", nonce: "2", encrypt: "abc" })).toBe(true);
    expect(crypto.verify({ msgSignature: signature.slice(1), timestamp: "1", nonce: "2", encrypt: "abc" })).toBe(false);
    expect(crypto.verify({ msgSignature: "", timestamp: "1", nonce: "2", encrypt: "abc" })).toBe(false);
  });
});

describe("safeEqual", () => {
  it("compares by content, checks lengths first and never throws", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(safeEqual("", "")).toBe(true);
    // Same number of characters, different byte lengths.
    expect(safeEqual("é", "e")).toBe(false);
    expect(safeEqual(undefined as unknown as string, "x")).toBe(false);
  });
});
