// The running portal (production build) and the sandbox, end to end over HTTP: a ticket arrives,
// the token centre and health answer, and WeChat's release check (全网发布) passes.
import { E2E } from "./config";
import { expect, test } from "./fixtures";

test.describe("core against the sandbox", () => {
  // API-level: once is enough, not once per viewport.
  test.skip(({ isMobile }) => isMobile, "API checks run in the desktop project only");

  // A ticket of its own, so the age health reports is this spec's (the setup project pushed one already).
  test.beforeAll(async ({ sandbox }) => {
    await sandbox.pushTicket();
  });

  test("the ticket push was stored and health reports it", async ({ request }) => {
    const health = await request.get("/api/health");
    const body = await health.json();
    expect(body.database.reachable).toBe(true);
    expect(body.ticket.stale).toBe(false);
    expect(body.ticket.ageSeconds).toBeLessThan(120);
    const deliveries = await (await request.get(`${E2E.sandboxUrl}/sandbox/api/deliveries?infoType=component_verify_ticket`)).json();
    expect(deliveries.deliveries.at(-1).state).toBe("delivered");
  });

  test("WeChat's release check passes against the portal's message URL", async ({ request }) => {
    const response = await request.post(`${E2E.sandboxUrl}/sandbox/api/release-check`, { data: {}, timeout: 30_000 });
    const result = await response.json();
    expect(result.cases.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual(
      result.cases.map((c: { name: string }) => [c.name, true]),
    );
    expect(result.cases.length).toBeGreaterThanOrEqual(3);
    expect(result.ok).toBe(true);
  });

  test("the token centre refuses a request without an API key, as JSON", async ({ request }) => {
    const response = await request.get("/api/v1/component/token", { maxRedirects: 0 });
    expect(response.status()).toBe(401);
    expect((await response.json()).error).toBeTruthy();
    const openapi = await (await request.get("/api/v1/openapi.json")).json();
    expect(Object.keys(openapi.paths)).toContain("/component/token"); // relative to servers[0].url, /api/v1
    expect(openapi.servers[0].url).toMatch(/\/api\/v1$/);
  });
});
