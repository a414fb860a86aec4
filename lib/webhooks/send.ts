// One signed POST of a webhook, in the Standard Webhooks format: headers webhook-id, webhook-timestamp
// and webhook-signature ("v1,<base64 HMAC-SHA256 of id.timestamp.body>", one per live secret, so a
// receiver mid-rotation accepts either), signed by the `standardwebhooks` library. Redirects are never
// followed; the connection is refused if the host resolves to a private address (unless
// WEBHOOK_ALLOW_PRIVATE); a slow endpoint is cut off at the deadline.
import http from "node:http";
import https from "node:https";
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from "request-filtering-agent";
import { getEnv } from "../env";
import { openColumn, seal } from "../credentials/vault";

/** The seal context of endpoint secrets (vault.ts binds ciphertext to what it is). */
export const SECRET_CONTEXT = "webhook-endpoint-secret";

/** The most of an answer kept: a passive reply fits easily; the log keeps an excerpt of it. */
const MAX_RESPONSE_BYTES = 64 * 1024;
export const RESPONSE_EXCERPT_CHARS = 500;

export const generateSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

export const sealSecret = (secret: string) => {
  const sealed = seal({ plaintext: secret, context: SECRET_CONTEXT });
  return { secretEnc: sealed.ciphertext, secretKeyId: sealed.keyId };
};

export const openSecret = ({ ciphertext, keyId }: { ciphertext: string | null; keyId: string | null }) =>
  openColumn({ ciphertext, keyId, context: SECRET_CONTEXT });

export type PostOutcome = {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  /** The answer's text (up to 64 KB). */
  body: string;
  contentType: string | null;
  error: string | null;
};

export type PostWebhookInput = {
  url: string;
  /** whsec_ secrets; each one adds a signature. */
  secrets: readonly string[];
  /** webhook-id: the event's id, the same on every retry. */
  id: string;
  timestamp: Date;
  body: string;
  timeoutMs: number;
};

type Agents = { http: http.Agent; https: https.Agent };
const agentCache = new Map<boolean, Agents>();

function agentsFor(allowPrivate: boolean): Agents {
  let agents = agentCache.get(allowPrivate);
  if (!agents) {
    const options = { keepAlive: true, maxSockets: 64, allowPrivateIPAddress: allowPrivate };
    agents = { http: new RequestFilteringHttpAgent(options), https: new RequestFilteringHttpsAgent(options) };
    agentCache.set(allowPrivate, agents);
  }
  return agents;
}

/** A signer per secret (each decodes its key once): the relay signs many deliveries with each. */
const signers = new Map<string, Webhook>();
function signerFor(secret: string): Webhook {
  let signer = signers.get(secret);
  if (!signer) {
    if (signers.size > 1_000) signers.clear();
    signers.set(secret, (signer = new Webhook(secret)));
  }
  return signer;
}

/** The signature header: one `v1,<base64>` per secret, space-separated. */
export function signatureHeader({ secrets, id, timestamp, body }: Pick<PostWebhookInput, "secrets" | "id" | "timestamp" | "body">): string {
  return secrets.map((secret) => signerFor(secret).sign(id, timestamp, body)).join(" ");
}

export function postWebhook(input: PostWebhookInput): Promise<PostOutcome> {
  const started = performance.now();
  const url = new URL(input.url);
  const agents = agentsFor(getEnv().hub.allowPrivateWebhooks);
  const transport = url.protocol === "https:" ? https : http;
  const headers = {
    "content-type": "application/json",
    "user-agent": "ComponentPortal-Webhooks/1",
    "webhook-id": input.id,
    "webhook-timestamp": String(Math.floor(input.timestamp.getTime() / 1000)),
    "webhook-signature": signatureHeader(input),
  };
  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<PostOutcome, "latencyMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, latencyMs: Math.round(performance.now() - started) });
    };
    const request = transport.request(url, {
      method: "POST",
      headers,
      agent: url.protocol === "https:" ? agents.https : agents.http,
    });
    const timer = setTimeout(() => {
      finish({ ok: false, status: null, body: "", contentType: null, error: `no answer within ${input.timeoutMs} ms` });
      request.destroy();
    }, input.timeoutMs);
    request.on("error", (error) => finish({ ok: false, status: null, body: "", contentType: null, error: error.message || String(error) }));
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
      });
      response.on("error", (error) =>
        finish({ ok: false, status: response.statusCode ?? null, body: "", contentType: null, error: error.message }),
      );
      response.on("end", () => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        const redirect =
          status >= 300 && status < 400 ? `redirects are not followed (${status}${location ? ` to ${location}` : ""})` : null;
        finish({
          ok: status >= 200 && status < 300,
          status,
          body: Buffer.concat(chunks).toString("utf8"),
          contentType: response.headers["content-type"] ?? null,
          error: redirect ?? (status >= 200 && status < 300 ? null : `answered ${status}`),
        });
      });
    });
    request.end(input.body);
  });
}
