// A round-robin load balancer on loopback: WeChat pushes to one URL, and several portal instances
// share it, as they would behind a real load balancer. Bodies are small (pushes), so each request
// is read whole and forwarded.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Balancer = { url: string; served: number[]; close(): Promise<void> };

export async function startBalancer({ targets, timeoutMs = 10_000 }: { targets: string[]; timeoutMs?: number }): Promise<Balancer> {
  const served = targets.map(() => 0);
  let next = 0;
  const server: Server = createServer(async (request, response) => {
    const index = next++ % targets.length;
    served[index]!++;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const upstream = await fetch(new URL(request.url ?? "/", targets[index]), {
        method: request.method,
        headers: { "content-type": request.headers["content-type"] ?? "text/plain" },
        body: request.method === "GET" || request.method === "HEAD" ? undefined : new Uint8Array(Buffer.concat(chunks)),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/plain" });
      response.end(body);
    } catch {
      response.writeHead(502, { "content-type": "text/plain" });
      response.end("bad gateway");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
