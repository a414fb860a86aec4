// Runs the portal's Next.js route handlers in tests. `after()` callbacks (work done once the
// answer is sent) are queued by the mock in each test file and run by `flushAfter()`. With
// `via: "lean ingress"` the hot paths are answered by lib/ingress/node.ts first, as under
// `npm start`, and the route handler gets only what the ingress leaves to Next.js.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { drainIngress, serveIngress } from "@/lib/ingress/node";

/** Who answers the hot paths: Next.js's route handler, or the lean ingress in front of it. */
export const SERVED_BY = ["route handler", "lean ingress"] as const;
export type ServedBy = (typeof SERVED_BY)[number];

export type AfterQueue = (() => unknown)[];

export async function flushAfter(queue: AfterQueue): Promise<void> {
  while (queue.length > 0) await queue.shift()!();
}

/** An HTTP server in front of a route handler, as WeChat (or the sandbox) would see the portal. */
export type ServedRoute = {
  url: string;
  /** Resolves once every after() callback so far has run. */ idle(): Promise<void>;
  close(): Promise<void>;
};

export async function serveRoute({
  handler,
  queue,
  via = "route handler",
}: {
  handler: (request: Request) => Promise<Response>;
  queue: AfterQueue;
  via?: ServedBy;
}): Promise<ServedRoute> {
  const pending = new Set<Promise<void>>();
  const server: Server = createServer(async (req, res) => {
    if (via === "lean ingress" && serveIngress(req, res)) return;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = `http://127.0.0.1${req.url}`;
    const request = new Request(url, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === "GET" ? undefined : Buffer.concat(chunks),
    });
    const response = await handler(request).catch((error: unknown) => new Response(String(error), { status: 500 }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
    const work = flushAfter(queue);
    pending.add(work);
    await work.finally(() => pending.delete(work));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    idle: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await drainIngress();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
