// The console's hub in a real browser: staff create a webhook endpoint pointing at a receiver this
// spec runs itself (e2e/receiver.ts, on E2E.receiverPort), see its secret once, send a test event and see
// it delivered in the endpoint's log (the receiver got it under the same webhook-id, signed with that
// secret), disable it and see why; and make a link for a merchant_ref that the links list shows.
// It starts from the admin session the setup project saved.
import { E2E } from "./config";
import { expect, snap, STAFF_STATE, test } from "./fixtures";
import { startReceiver, verifyStandardSignature, type Receiver } from "./receiver";

test.describe.configure({ mode: "serial" });
test.use({ storageState: STAFF_STATE });

test.describe("console: webhooks", () => {
  let receiver: Receiver;

  test.beforeAll(async () => {
    receiver = await startReceiver();
  });
  test.afterAll(async () => {
    await receiver?.close();
  });

  test("create an endpoint, see its secret once, send a test that the log shows delivered, disable it", async ({ page }, testInfo) => {
    // A path of this test's own, so the endpoint's row is told apart from other runs'.
    const url = `${E2E.receiverOrigin}/hooks/${testInfo.project.name}-${Date.now()}`;
    await page.goto("/console");
    await page.getByRole("link", { name: "网络钩子", exact: true }).click();
    await expect(page.getByRole("heading", { name: "网络钩子", level: 1 })).toBeVisible();

    await page.getByLabel("地址（URL）").fill(url);
    await page.getByLabel("说明（可选）").fill("e2e receiver");
    await page.getByTestId("create-endpoint").click();
    const secretField = page.getByTestId("webhook-secret-value");
    await expect(secretField).toHaveValue(/^whsec_/);
    const secret = await secretField.inputValue();
    await expect(page.getByTestId("webhook-secret")).toContainText("只显示这一次");
    await snap(page, testInfo, "console-webhook-created");

    const row = page.locator('tr[data-testid="endpoint-row"]').filter({ hasText: url });
    await expect(row).toHaveAttribute("data-state", "active");
    await row.getByTestId("endpoint-url").click();
    await expect(page.getByTestId("endpoint-title")).toHaveText(url);
    // Shown once: the endpoint's own page has no secret.
    await expect(page.getByTestId("webhook-secret")).toHaveCount(0);

    await page.getByTestId("send-test").click();
    await expect(page.getByTestId("test-outcome")).toHaveAttribute("data-ok", "true");
    await expect(page.getByTestId("test-outcome")).toContainText("204");
    const delivered = page.locator('tr[data-testid="delivery-row"][data-status="delivered"]');
    await expect(delivered).toHaveCount(1);
    await expect(delivered).toContainText("webhook.test");
    const got = receiver.at(new URL(url).pathname).at(0);
    expect(got, "the receiver got the test event").toBeTruthy();
    expect(JSON.parse(got!.body)).toMatchObject({ type: "webhook.test" });
    expect(verifyStandardSignature({ secret, headers: got!.headers, body: got!.body })).toBe(true);
    await expect(delivered.getByTestId("delivery-webhook-id")).toHaveText(String(got!.headers["webhook-id"]));
    await snap(page, testInfo, "console-webhook-test-delivered");

    await page.getByLabel("停用原因（可选）").fill("receiver maintenance");
    await page.getByTestId("disable-endpoint").click();
    await expect(page.getByTestId("endpoint-state").first()).toHaveAttribute("data-state", "disabled");
    await expect(page.getByTestId("endpoint-state").first()).toContainText("receiver maintenance");
    await expect(page.getByTestId("enable-endpoint")).toBeVisible();
    await snap(page, testInfo, "console-webhook-disabled");

    await page.getByRole("link", { name: "← 网络钩子" }).click();
    await expect(row).toHaveAttribute("data-state", "disabled");
    await expect(row).toContainText("receiver maintenance");
  });

  test("a link made for a merchant_ref shows it on its page and in the links list", async ({ page }, testInfo) => {
    const merchantRef = `m-${testInfo.project.name}-${Date.now()}`;
    await page.goto("/console/links");
    await page.getByLabel("商户标识（merchant_ref）").fill(merchantRef);
    await page.getByLabel("返回地址（return_url）").fill(`${E2E.receiverOrigin}/done`);
    await page.getByTestId("create-link").click();
    await expect(page).toHaveURL(/\/console\/links\/[A-Za-z0-9_-]+$/);
    await expect(page.getByTestId("attempt-merchant-ref")).toHaveText(merchantRef);
    await page.goto("/console/links");
    const row = page.locator('tr[data-testid="attempt-row"]').filter({ hasText: merchantRef });
    await expect(row.getByTestId("attempt-merchant-ref")).toHaveText(merchantRef);
    await snap(page, testInfo, "console-link-merchant-ref");
  });
});
