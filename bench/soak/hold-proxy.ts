// A loopback proxy in front of the WeChat sandbox that can hold an answer back. The request reaches
// the sandbox, which does its work (issues a token, rotates the refresh token); the proxy reads the
// whole answer and then never forwards it. The portal is left waiting exactly between WeChat's
// answer and its own write: the moment a crash loses a rotated refresh token.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type HeldAnswer = {
  path: string;
  /** The request body the portal sent (JSON; contains tokens: never print it). */
  requestBody: string;
  status: number;
  /** What WeChat answered and the portal never received. */
  body: string;
};

export type HoldProxy = {
  url: string;
  /**
   * Holds the next answer to a request whose path ends with `pathSuffix` (and whose body contains
   * `bodyIncludes`, when given); resolves once it is held.
   */
  holdNext(pathSuffix: string, bodyIncludes?: string): Promise<HeldAnswer>;
  /** Requests forwarded so far, by path. */
  forwarded: Map<string, number>;
  close(): Promise<void>;
};

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startHoldProxy({ target, timeoutMs = 15_000 }: { target: string; timeoutMs?: number }): Promise<HoldProxy> {
  const holds: { pathSuffix: string; bodyIncludes?: string; resolve: (held: HeldAnswer) => void }[] = [];
  const forwarded = new Map<string, number>();
  const server: Server = createServer(async (request, response) => {
    try {
      const body = await readBody(request);
      const url = new URL(request.url ?? "/", target);
      forwarded.set(url.pathname, (forwarded.get(url.pathname) ?? 0) + 1);
      const upstream = await fetch(url, {
        method: request.method,
        headers: { "content-type": request.headers["content-type"] ?? "application/json" },
        body: request.method === "GET" || request.method === "HEAD" ? undefined : new Uint8Array(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const answer = await upstream.text();
      const text = body.toString("utf8");
      const index = holds.findIndex(
        (hold) => url.pathname.endsWith(hold.pathSuffix) && (hold.bodyIncludes === undefined || text.includes(hold.bodyIncludes)),
      );
      if (index >= 0) {
        const [hold] = holds.splice(index, 1);
        // The answer exists, the caller never gets it: the socket stays open until the caller dies.
        hold!.resolve({ path: url.pathname, requestBody: text, status: upstream.status, body: answer });
        return;
      }
      response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
      response.end(answer);
    } catch (error) {
      response.writeHead(502, { "content-type": "text/plain" });
      response.end(`hold proxy: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    holdNext: (pathSuffix, bodyIncludes) => new Promise<HeldAnswer>((resolve) => holds.push({ pathSuffix, bodyIncludes, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
