// The provider's service in the e2e specs: a node:http server on E2E.receiverPort that records every
// webhook and answers each path as the spec says (status, body, a delay), and serves the merchant's
// return page (GET). Signatures are checked with the independent Standard Webhooks check of the tests.
import { createServer, type IncomingHttpHeaders } from "node:http";
import { E2E } from "./config";

export { verifyStandardSignature } from "../tests/helpers/standard-webhooks";

export type Received = {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: { type: string; data: Record<string, unknown> };
  /** The status this request was answered with. */
  answered: number;
};
export type Answer = { status: number; body?: string; contentType?: string; delayMs?: number };

export type Receiver = {
  received: Received[];
  /** Requests to one path (each spec gives its endpoints paths of their own). */
  at(path: string): Received[];
  /** How requests to `path` are answered from now on (default: 204). */
  answer(path: string, fn: (request: Omit<Received, "answered">) => Answer): void;
  close(): Promise<void>;
};

export function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers = new Map<string, (request: Omit<Received, "answered">) => Answer>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", E2E.receiverOrigin);
      if (req.method === "GET") {
        // Where merchants return to: the outcome is in the query.
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(`<!doctype html><title>Merchant site</title><h1 data-testid="merchant-site">Merchant site</h1>`);
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      const request = { path: url.pathname, headers: req.headers, body, json: JSON.parse(body || "{}") };
      const reply: Answer = (answers.get(url.pathname) ?? (() => ({ status: 204 })))(request);
      received.push({ ...request, answered: reply.status });
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, { "content-type": reply.contentType ?? "text/plain" });
        res.end(reply.body ?? "");
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  return new Promise((resolve) =>
    server.listen(E2E.receiverPort, "127.0.0.1", () =>
      resolve({
        received,
        at: (path) => received.filter((request) => request.path === path),
        answer: (path, fn) => void answers.set(path, fn),
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    ),
  );
}
