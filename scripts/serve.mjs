// The built portal's server, for `npm start` and everything that runs the production build (the
// demo, the e2e harness, the benchmarks). One node:http server on one port: the hot paths (WeChat's
// event and message URLs, the token centre's two reads) are answered by the lean ingress
// (lib/ingress/node.ts, handed over by instrumentation.ts when Next.js is prepared), every other
// request by Next.js's own handler. Plain JavaScript, so the portal's process loads no TypeScript
// tooling: the code it runs is the build's.
//
//   node scripts/serve.mjs [-p PORT] [-H HOST]    (defaults: $PORT or 3000; $HOST or 0.0.0.0, as next start)
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import next from "next";

const { values } = parseArgs({
  options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
});
// Empty (a half-filled environment) means unset.
const port = Number(values.port || process.env.PORT || 3000);
const hostname = values.hostname || process.env.HOST || "0.0.0.0";
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`serve: the port must be a number from 0 to 65535, not ${values.port ?? process.env.PORT}`);
  process.exit(2);
}

process.env.NEXT_TELEMETRY_DISABLED = "1";
const app = next({ dev: false, dir: process.cwd(), hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

// Published by instrumentation.ts, which Next.js runs while it starts (not necessarily before
// prepare() resolves): until then, Next.js answers the hot paths too.
const ingress = () => globalThis.__portalIngress;

const server = createServer((request, response) => {
  if (ingress()?.serve(request, response)) return;
  void handle(request, response);
});
server.listen(port, hostname, () => {
  console.log(`Portal listening on http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`);
});

// As next start does: stop taking requests, let those in flight (and the work after them) end, exit.
let stopping = false;
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
]) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeIdleConnections();
    void Promise.all([ingress()?.drain(), app.close()])
      .catch((error) => console.error(error))
      .finally(() => process.exit(code));
  });
}
