// A provider's service for the tests: a node:http server that records every webhook it is sent and
// answers as the test says (status, body, a delay, or never), and a way to register it as an endpoint.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import type { EventType } from "@/lib/webhooks/event-types";
import { generateSecret, sealSecret } from "@/lib/webhooks/send";

export { verifyStandardSignature } from "./standard-webhooks";

export type Received = { headers: IncomingHttpHeaders; body: string; json: { type: string; data: Record<string, unknown> } };
export type Answer = { status: number; body?: string; contentType?: string; delayMs?: number; hang?: boolean; location?: string };

export type WebhookReceiver = {
  url: string;
  received: Received[];
  /** How the next requests are answered (default 204). */
  answer(fn: (request: Received) => Answer): void;
  /** Resolves once `count` requests have arrived in all. */
  waitFor(count: number): Promise<Received[]>;
  close(): Promise<void>;
};

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: Received[] = [];
  let answer: (request: Received) => Answer = () => ({ status: 204 });
  const waiters: { count: number; resolve: (all: Received[]) => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const request: Received = { headers: req.headers, body, json: JSON.parse(body || "{}") };
      received.push(request);
      for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve(received.slice());
      const reply = answer(request);
      if (reply.hang) return;
      const send = () => {
        res.writeHead(reply.status, {
          "content-type": reply.contentType ?? "text/plain",
          ...(reply.location ? { location: reply.location } : {}),
        });
        res.end(reply.body ?? "");
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answer(fn) {
      answer = fn;
    },
    waitFor(count) {
      if (received.length >= count) return Promise.resolve(received.slice());
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An endpoint row pointing at `url`, as the management API would write it; returns its id and secret. */
export async function seedEndpoint({
  url,
  events,
  routes = [],
}: {
  url: string;
  events: EventType[];
  routes?: { authorizerAppid?: string; merchantRef?: string; msgType?: string; event?: string; reply?: boolean }[];
}): Promise<{ id: string; secret: string }> {
  const secret = generateSecret();
  const componentAppid = getEnv().component.appid;
  const endpoint = await db().webhookEndpoint.create({
    data: { componentAppid, url, events, ...sealSecret(secret), routes: { create: routes.map((route) => ({ ...route, componentAppid })) } },
  });
  return { id: endpoint.id, secret };
}
