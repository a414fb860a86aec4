// The provider's service in the forwarding benchmarks: notes when each message (by msg_id) first
// arrives, on the wall clock, so a load generator in another process can compare its send times.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export async function startReceiver() {
  const arrivals = new Map<string, number>();
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data: { msg_id?: string } };
      if (body.data.msg_id && !arrivals.has(body.data.msg_id)) arrivals.set(body.data.msg_id, Date.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    requests: () => requests,
    /** Waits (at most 60 s) for every one of `ids` to arrive; returns each arrived one's lag from `sentAt`, sorted, and how many never came. */
    async lags(ids: readonly string[], sentAt: (id: string) => number): Promise<{ lags: number[]; lost: number }> {
      for (let waited = 0; waited < 600 && ids.some((id) => !arrivals.has(id)); waited++) await new Promise((r) => setTimeout(r, 100));
      const arrived = ids.filter((id) => arrivals.has(id));
      return { lags: arrived.map((id) => arrivals.get(id)! - sentAt(id)).sort((a, b) => a - b), lost: ids.length - arrived.length };
    },
    close: () => server.close(),
  };
}
