// Issue 13, point 13: the demo's servers listen on loopback unless DEMO_HOST opens them. The sandbox
// as the demo starts it; the portal's side is e2e/loopback.spec.ts.
import { networkInterfaces } from "node:os";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { startSandbox } from "@/sandbox/server";
import { demoListenHost } from "@/scripts/portal-server";

const networkAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === "IPv4" && !entry.internal)?.address;

describe("the demo listens on loopback unless DEMO_HOST says otherwise", () => {
  it("chooses 127.0.0.1 by default and DEMO_HOST when set", () => {
    expect(demoListenHost({})).toBe("127.0.0.1");
    expect(demoListenHost({ DEMO_HOST: "" })).toBe("127.0.0.1");
    expect(demoListenHost({ DEMO_HOST: " 0.0.0.0 " })).toBe("0.0.0.0");
  });

  it("binds the sandbox to loopback: it answers on 127.0.0.1 and refuses the machine's network address", async () => {
    const address = networkAddress();
    expect(address, "this machine has a network address to try").toBeDefined();
    const sandbox = await startSandbox({ port: 0, host: demoListenHost({}), pushTicketOnStart: false, logger: pino({ level: "silent" }) });
    try {
      const port = new URL(sandbox.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/sandbox/api/state`)).status).toBe(200);
      const outside = await fetch(`http://${address}:${port}/sandbox/api/state`).then(
        (response) => `answered ${response.status}`,
        (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? String(error),
      );
      expect(outside).toBe("ECONNREFUSED");
    } finally {
      await sandbox.close();
    }
  });
});
