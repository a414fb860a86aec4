// What the specs share: the sandbox's control API (with accounts of a test's own), the signed-in staff's
// saved session (made once by the setup project, e2e/auth.setup.ts), sign-in, the attempt a page
// shows, screenshots, client addresses and the admin's phone in WeChat. Specs import `test` and `expect` from here.
import { mkdirSync } from "node:fs";
import {
  devices,
  expect,
  test as base,
  type APIRequestContext,
  type Browser,
  type BrowserContext,
  type Page,
  type TestInfo,
} from "@playwright/test";
import { E2E } from "./config";

export { expect };

/**
 * Where the setup project leaves the seeded admin's session (artifacts/ is not committed): one file
 * per portal port, as a second suite on other ports signs in to a portal of its own.
 */
export const STAFF_STATE = `artifacts/.auth/staff-${E2E.portalPort}.json`;

export const WECHAT_UA = `${devices["Pixel 7"].userAgent} MicroMessenger/8.0.47.2560(0x28002F30) NetType/WIFI Language/zh_CN`;

export type SandboxAccount = {
  appid: string;
  kind: string;
  nickName: string;
  releaseTest: boolean;
  serviceTypeId: number;
  permissionSets: number[];
};

/** What POST /sandbox/api/messages answers: what WeChat got back for each message (sandbox/README.md). */
export type SandboxSend = {
  sent: number;
  summary: Record<string, number>;
  results: { msg_id: string | null; tries: number; status: string; reply: { msg_type: string; content?: string } | null }[];
};

type SandboxAuthorization = { authorizer_appid: string; func_ids: number[]; auth_time: number; status: "authorized" | "revoked" };

/**
 * The sandbox's control API (sandbox/README.md), through fetch rather than a test's `request`, so
 * it also works in beforeAll/afterAll hooks, where each hook gets a request context of its own.
 */
export function sandboxControl(url: string) {
  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    expect(response.ok, `${method} ${path} answered ${response.status}`).toBe(true);
    return (await response.json()) as T;
  }
  const authorizations = async () => (await call<{ authorizations: SandboxAuthorization[] }>("GET", "/sandbox/api/state")).authorizations;

  return {
    url,
    /**
     * A new account that nobody has authorized yet: each test makes its own, so no test sees what
     * another did to its accounts, whatever ran before.
     */
    createAccount: async (kind: "official_account" | "mini_program") =>
      (await call<{ account: SandboxAccount }>("POST", "/sandbox/api/accounts", { kind })).account,
    authorizations,
    /** The permission sets the sandbox holds as granted to `appid` (none if it never was). */
    grantedSets: async (appid: string) => (await authorizations()).find((entry) => entry.authorizer_appid === appid)?.func_ids ?? [],
    /** A component_verify_ticket pushed now, answered once the portal has answered the push. */
    pushTicket: () => call<{ delivery: { state: string } }>("POST", "/sandbox/api/push-ticket", { wait: true }),
    authorize: (appid: string, ids: number[]) => call("POST", "/sandbox/api/authorize", { appid, ids }),
    /** A user message (or a burst of `count`) to an account, as WeChat sends it to the message URL. */
    sendMessages: (message: { appid: string; type: string; count?: number; [field: string]: unknown }) =>
      call<SandboxSend>("POST", "/sandbox/api/messages", message),
    revoke: (appid: string) => call("POST", "/sandbox/api/revoke", { appid }),
    preAuthCode: async () => (await call<{ pre_auth_code: string }>("POST", "/sandbox/api/pre-auth-code")).pre_auth_code,
    preAuthCodesIssued: async () =>
      (await call<{ total: number }>("GET", "/sandbox/api/calls?endpoint=api_create_preauthcode&limit=1")).total,
  };
}

export type SandboxControl = ReturnType<typeof sandboxControl>;

type WorkerFixtures = {
  /** The sandbox the test's portal talks to; a spec with a stack of its own sets it with test.use. */
  sandboxUrl: string;
  sandbox: SandboxControl;
};

// Playwright calls a fixture's second argument `use`; named `provide` here, which React's hooks lint leaves alone.
export const test = base.extend<object, WorkerFixtures>({
  sandboxUrl: [E2E.sandboxUrl, { option: true, scope: "worker" }],
  sandbox: [async ({ sandboxUrl }, provide) => provide(sandboxControl(sandboxUrl)), { scope: "worker" }],
});

export type Staff = { email: string; password: string };

/** Fills in the sign-in form the page shows and sends it. */
export async function submitSignIn(page: Page, who: Staff = E2E.admin) {
  await page.getByLabel("邮箱").fill(who.email);
  await page.getByLabel("密码").fill(who.password);
  await page.getByRole("button", { name: "登录" }).click();
}

/** Opens the sign-in page (`path`, by default on its way to /console) and signs in as `who`. */
export async function signIn(
  page: Page,
  { who = E2E.admin, path = "/signin?callbackUrl=%2Fconsole" }: { who?: Staff; path?: string } = {},
) {
  await page.goto(path);
  await submitSignIn(page, who);
}

/** The attempt the page is showing, once it has put the id into the address bar. */
export async function attemptIdOf(page: Page): Promise<string> {
  await expect(page).toHaveURL(/[?&]attempt=[A-Za-z0-9_-]{22}/, { timeout: 15_000 });
  return new URL(page.url()).searchParams.get("attempt") ?? "";
}

/** An authorization attempt as the merchant pages' API shows it. */
export type ApiAttempt = {
  id: string;
  status: string;
  expiresInMs: number;
  phoneUrl: string;
  links: { pc: string; h5: string } | null;
  codeExpiresInMs: number | null;
  authorizer: { nickName: string | null } | null;
  grantedPermissionSets: { id: number }[] | null;
};

/** The attempt from the portal at the test's baseURL. */
export async function readAttempt(request: APIRequestContext, id: string): Promise<ApiAttempt> {
  const response = await request.get(`/api/authorize/attempts/${id}`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as ApiAttempt;
}

/** A full-page screenshot under artifacts/screenshots/merchant/<project>/, attached to the report too. */
export async function snap(page: Page, testInfo: TestInfo, name: string) {
  const dir = `artifacts/screenshots/merchant/${testInfo.project.name}`;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/**
 * A client address of the test's own (the `n`th, for a test with several clients), to present as
 * X-Forwarded-For the way a load balancer would: the portal throttles per address, and the whole
 * suite does more than one client would in ten minutes. The e2e portal trusts one proxy hop.
 */
export function clientAddress(testInfo: TestInfo, n = 0): string {
  let hash = 0;
  for (const char of `${testInfo.project.name}:${testInfo.testId}:${n}`) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `198.51.${100 + (hash % 50)}.${1 + ((hash >>> 8) % 250)}`;
}

/** The admin's phone: WeChat's in-app browser on a Pixel 7 (or narrower). */
export async function openPhone(browser: Browser, viewport?: { width: number; height: number }): Promise<BrowserContext> {
  return browser.newContext({
    ...devices["Pixel 7"],
    userAgent: WECHAT_UA,
    extraHTTPHeaders: { "x-forwarded-for": clientAddress(test.info()) },
    ...(viewport ? { viewport } : {}),
  });
}

/** On the sandbox's H5 account list: pick the account, untick `untick` sets, confirm. */
export async function confirmOnPhone(phone: Page, account: SandboxAccount, untick: number[] = []) {
  await phone.locator(`a[data-appid="${account.appid}"]`).click();
  await expect(phone.getByTestId("account-name")).toHaveText(account.nickName);
  for (const id of untick) await phone.locator(`input[name="func"][value="${id}"]`).uncheck();
  await phone.getByTestId("confirm").click();
}
