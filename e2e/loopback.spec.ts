// Issue 13, point 13: the portal started the way the demo starts it (scripts/portal-server.ts, host
// from demoListenHost: loopback unless DEMO_HOST opens it) answers on 127.0.0.1 and refuses the
// machine's own network address. The sandbox's side is tests/integration/foundation/demo-loopback.test.ts.
import { networkInterfaces } from "node:os";
import { E2E } from "./config";
import { expect, test } from "./fixtures";

const networkAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === "IPv4" && !entry.internal)?.address;

test("the portal listens on loopback only", async ({}, testInfo) => {
  test.skip(testInfo.project.name !== "desktop", "one check per run: the server is the same for both viewports");
  const address = networkAddress();
  expect(address, "this machine has a network address to try").toBeDefined();
  const local = await fetch(`http://127.0.0.1:${E2E.portalPort}/signin`);
  expect(local.status).toBe(200);
  const outside = await fetch(`http://${address}:${E2E.portalPort}/signin`).then(
    (response) => `answered ${response.status}`,
    (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? String(error),
  );
  expect(outside).toBe("ECONNREFUSED");
});
