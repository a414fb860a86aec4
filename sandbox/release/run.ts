// WeChat's automated 全网发布 (release) check, run against the portal's message URL with one of WeChat's
// test accounts: ticket push received, the text case, the QUERY_AUTH_CODE case and the event case.
import { randomInt } from "node:crypto";
import { grantAuthorization } from "../authorization/manage";
import { messageUrlFor, openPassiveReply } from "../messages/deliver";
import { unixNow } from "../core/clock";
import type { SandboxContext } from "../core/context";
import { postOnce } from "../push/deliver";
import { buildWeChatXml, sealForReceiver, withQuery, type XmlFields } from "../push/envelope";
import { pushVerifyTicket } from "../push/events";
import { RELEASE_TEST_ACCOUNTS, type SeededAccount } from "../state/accounts";
import { listPermissionSets } from "../state/permission-sets";

export const RELEASE_TEXT = "TESTCOMPONENT_MSG_TYPE_TEXT";
export const RELEASE_EVENT = "LOCATION";
/** The fan who "sends" the test messages (an openid of the test group). */
export const RELEASE_OPENID = "ozy4qt5QUADNXORxCVipKMV9dss0";
const MESSAGE_TIMEOUT_MS = 5000;

export type ReleaseCaseName = "component_verify_ticket" | "text" | "query_auth_code" | "event";
export type ReleaseCaseResult = { name: ReleaseCaseName; ok: boolean; detail: string; durationMs: number };
export type ReleaseCheckResult = { ok: boolean; appid: string; messageUrl: string; cases: ReleaseCaseResult[] };

class CaseFailure extends Error {}

/** MsgIds are 19-digit numbers; a string so it never passes through a float. */
function createMsgId(): string {
  return `62043155882${randomInt(10_000_000, 99_999_999)}`;
}

/** Resolves on the next custom/send or after `ms`, whichever comes first, without leaking listeners. */
function waitForCustomMessage(ctx: SandboxContext, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      ctx.events.off("customMessage", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    ctx.events.on("customMessage", done);
  });
}

function fail(detail: string): never {
  throw new CaseFailure(detail);
}

function buildMessage(account: SeededAccount, fields: XmlFields): string {
  return buildWeChatXml({
    ToUserName: account.userName,
    FromUserName: RELEASE_OPENID,
    CreateTime: unixNow(),
    ...fields,
  });
}

/** POST an encrypted message the way WeChat does, log it as a delivery, return the raw answer. */
async function sendMessage(ctx: SandboxContext, args: { account: SeededAccount; plaintext: string; label: string }) {
  const url = messageUrlFor(ctx, args.account.appid);
  const sealed = sealForReceiver(ctx, {
    plaintext: args.plaintext,
    envelope: { ToUserName: args.account.userName },
    openid: RELEASE_OPENID,
  });
  const delivery = ctx.state.createDelivery({
    kind: "message",
    infoType: args.label,
    url,
    createdAt: new Date().toISOString(),
    state: "pending",
    plaintext: args.plaintext,
    attempts: [],
  });
  const result = await postOnce(ctx, { url: withQuery(url, sealed.query), body: sealed.body, timeoutMs: MESSAGE_TIMEOUT_MS });
  const ok = result.status === 200;
  delivery.attempts.push({
    attempt: 1,
    at: new Date().toISOString(),
    durationMs: result.durationMs,
    ok,
    ...(result.status !== undefined ? { status: result.status } : {}),
    ...(result.answer !== undefined ? { answer: result.answer.slice(0, 500) } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
  });
  delivery.state = ok ? "delivered" : "failed";
  if (result.error) fail(`message URL ${url} did not answer: ${result.error}`);
  if (result.status !== 200) fail(`message URL answered HTTP ${result.status}`);
  return result.answer ?? "";
}

/** Decrypt an encrypted passive reply, checking its signature and trailing appid. */
function openReply(ctx: SandboxContext, answer: string): Record<string, unknown> {
  if (answer.trim() === "" || answer.trim() === "success") fail("expected an encrypted reply, got an empty answer");
  const opened = openPassiveReply(ctx, answer);
  if (!opened.ok) fail(opened.error);
  return opened.fields;
}

function expectTextReply(ctx: SandboxContext, args: { answer: string; account: SeededAccount; content: string }): void {
  const reply = openReply(ctx, args.answer);
  if (reply.MsgType !== "text") fail(`reply MsgType is ${String(reply.MsgType)}, expected text`);
  if (reply.Content !== args.content) fail(`reply Content is "${String(reply.Content)}", expected "${args.content}"`);
  if (reply.ToUserName !== RELEASE_OPENID) fail(`reply ToUserName is ${String(reply.ToUserName)}, expected the sender ${RELEASE_OPENID}`);
  if (reply.FromUserName !== args.account.userName)
    fail(`reply FromUserName is ${String(reply.FromUserName)}, expected ${args.account.userName}`);
}

async function runTicketCase(ctx: SandboxContext): Promise<string> {
  const { delivery } = pushVerifyTicket(ctx);
  const done = await delivery;
  if (done.state !== "delivered") {
    const last = done.attempts.at(-1);
    fail(
      `ticket push not acknowledged with "success" (${done.state}${last ? `: ${last.error ?? `HTTP ${last.status} "${(last.answer ?? "").slice(0, 60)}"`}` : ""})`,
    );
  }
  return `ticket push answered "success" after ${done.attempts.length} attempt(s)`;
}

async function runTextCase(ctx: SandboxContext, account: SeededAccount): Promise<string> {
  const plaintext = buildMessage(account, { MsgType: "text", Content: RELEASE_TEXT, MsgId: createMsgId() });
  const answer = await sendMessage(ctx, { account, plaintext, label: "release:text" });
  expectTextReply(ctx, { answer, account, content: `${RELEASE_TEXT}_callback` });
  return `replied ${RELEASE_TEXT}_callback`;
}

async function runEventCase(ctx: SandboxContext, account: SeededAccount): Promise<string> {
  const plaintext = buildMessage(account, {
    MsgType: "event",
    Event: RELEASE_EVENT,
    Latitude: "23.137466",
    Longitude: "113.352425",
    Precision: "119.385040",
  });
  const answer = await sendMessage(ctx, { account, plaintext, label: "release:event" });
  expectTextReply(ctx, { answer, account, content: `${RELEASE_EVENT}from_callback` });
  return `replied ${RELEASE_EVENT}from_callback`;
}

function findCustomReply(ctx: SandboxContext, args: { appid: string; code: string; since: number }) {
  return ctx.state.data.customMessages.find((message) => {
    if (message.at < args.since || message.authorizerAppid !== args.appid) return false;
    const body = message.body as { touser?: unknown; msgtype?: unknown; text?: { content?: unknown } };
    return body.msgtype === "text" && body.text?.content === `${args.code}_from_api`;
  });
}

async function runQueryAuthCodeCase(ctx: SandboxContext, account: SeededAccount): Promise<string> {
  // The test account authorizes the component with everything; WeChat sends no push for it.
  const { code } = grantAuthorization(ctx, {
    appid: account.appid,
    funcIds: listPermissionSets(account.kind).map((set) => set.id),
    source: "release-check",
    push: false,
  });
  const since = ctx.clock.now();
  const plaintext = buildMessage(account, { MsgType: "text", Content: `QUERY_AUTH_CODE:${code.value}`, MsgId: createMsgId() });
  const answer = (await sendMessage(ctx, { account, plaintext, label: "release:query_auth_code" })).trim();
  if (answer !== "" && answer !== "success") fail(`expected an empty reply at once, got "${answer.slice(0, 80)}"`);

  const deadline = performance.now() + ctx.config.releaseCheckWaitMs;
  let message = findCustomReply(ctx, { appid: account.appid, code: code.value, since });
  while (!message && performance.now() < deadline && !ctx.shutdown.signal.aborted) {
    await waitForCustomMessage(ctx, Math.max(0, Math.min(250, deadline - performance.now())));
    message = findCustomReply(ctx, { appid: account.appid, code: code.value, since });
  }
  if (!message) fail(`no custom/send with "${code.value.slice(0, 24)}…_from_api" within ${ctx.config.releaseCheckWaitMs} ms`);
  const body = message.body as { touser?: unknown };
  if (body.touser !== RELEASE_OPENID) fail(`custom message sent to ${String(body.touser)}, expected ${RELEASE_OPENID}`);
  if (message.tokenOrigin.kind !== "query_auth" || message.tokenOrigin.code !== code.value) {
    fail("custom message was sent with a token not obtained from api_query_auth for this code");
  }
  if (!code.usedAt) fail("the code was never exchanged with api_query_auth");
  return "empty reply, then api_query_auth and custom/send with <code>_from_api";
}

export async function runReleaseCheck(ctx: SandboxContext, args: { appid?: string } = {}): Promise<ReleaseCheckResult> {
  const appid = args.appid ?? RELEASE_TEST_ACCOUNTS.official_account[0].appid;
  const account = ctx.state.findAccount(appid);
  if (!account?.releaseTest) throw new Error(`${appid} is not one of WeChat's release-test accounts`);
  const cases: [ReleaseCaseName, () => Promise<string>][] = [
    ["component_verify_ticket", () => runTicketCase(ctx)],
    ["text", () => runTextCase(ctx, account)],
    ["query_auth_code", () => runQueryAuthCodeCase(ctx, account)],
    ["event", () => runEventCase(ctx, account)],
  ];
  const results: ReleaseCaseResult[] = [];
  for (const [name, run] of cases) {
    const started = performance.now();
    try {
      const detail = await run();
      results.push({ name, ok: true, detail, durationMs: Math.round(performance.now() - started) });
    } catch (error) {
      if (!(error instanceof CaseFailure)) throw error;
      results.push({ name, ok: false, detail: error.message, durationMs: Math.round(performance.now() - started) });
    }
  }
  const result = { ok: results.every((entry) => entry.ok), appid, messageUrl: messageUrlFor(ctx, appid), cases: results };
  ctx.logger.info(
    { ok: result.ok, cases: results.map((entry) => `${entry.name}:${entry.ok ? "pass" : "fail"}`) },
    "release check finished",
  );
  return result;
}
