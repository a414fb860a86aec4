// The load generator of bench/forwarding.ts, in a process of its own so that neither its work nor its
// pauses are the receiver's (which timestamps arrivals in the benchmark's process): an open loop of
// text messages, message i leaving at start + i / perSecond whatever the portal's pace, after a
// warm-up at the same rate. Prints one JSON line: when the measured part started, each acknowledged
// message's send time (wall clock), the refusals, and the acknowledgement latencies' p50/p99.
//   node --import tsx bench/forwarding-load.ts <baseUrl> <perSecond> <seconds> <warmUpSeconds>
import http from "node:http";
import { MessageCrypto } from "../lib/wechat/crypto";
import { buildXml } from "../lib/wechat/xml";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { postText } from "./post";
import { percentile } from "./stats";

const [baseUrl, perSecondArg, secondsArg, warmUpArg] = process.argv.slice(2);
const perSecond = Number(perSecondArg);
const total = perSecond * Number(secondsArg);
const warmUp = perSecond * Number(warmUpArg);
const crypto = new MessageCrypto({
  token: DEMO_COMPONENT.token,
  encodingAesKey: DEMO_COMPONENT.encodingAesKey,
  appid: DEMO_COMPONENT.appid,
});
/** 100 accounts, as the portal sees them: messages for accounts it has no row for are forwarded all the same. */
const ACCOUNTS = 100;
const appidOf = (n: number) => `wx${(0xbe00000000000000n + BigInt(n)).toString(16)}`;
// As WeChat does: a connection per request in flight, kept alive.
const agent = new http.Agent({ keepAlive: true });
const base = new URL(baseUrl!);

/** Message `i`: warm-up ones are numbered after the measured ones, so none is sent twice. */
function makeMessage(i: number) {
  const appid = appidOf(i % ACCOUNTS);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const msgId = String(7_000_000_000_000_000_000n + BigInt(i));
  const toUser = `gh_${appid.slice(2, 14)}`;
  const xml = buildXml({
    ToUserName: toUser,
    FromUserName: `o_bench_user_${i % 997}`,
    CreateTime: Number(timestamp),
    MsgType: "text",
    Content: `message ${i}`,
    MsgId: msgId,
  });
  const sealed = crypto.seal({ plaintext: xml, timestamp, nonce: String(100000 + i) });
  const query = new URLSearchParams({
    signature: "x",
    timestamp,
    nonce: String(100000 + i),
    encrypt_type: "aes",
    msg_signature: sealed.msgSignature,
  });
  return {
    msgId,
    path: `/api/wechat/messages/${appid}?${query}`,
    body: `<xml><ToUserName><![CDATA[${toUser}]]></ToUserName><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt></xml>`,
  };
}

/** Resolves null when the portal answered 200 `success`, else what it did instead. */
async function post({ path, body }: { path: string; body: string }): Promise<string | null> {
  try {
    const { status, text } = await postText(agent, base, path, body);
    return status === 200 && text === "success" ? null : `${status} ${text.slice(0, 80)}`;
  } catch (error) {
    return `request failed: ${(error as Error).message}`;
  }
}

/** Sends `count` messages numbered from `first` at `perSecond`; `onAnswer` gets each one's outcome. */
async function openLoop(
  first: number,
  count: number,
  onAnswer: (msgId: string, sentAt: number, failure: string | null, ms: number) => void,
) {
  const started = performance.now();
  const sends: Promise<void>[] = [];
  for (let n = 0; n < count; n++) {
    const wait = started + (n * 1000) / perSecond - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const message = makeMessage(first + n);
    const [sentAt, t0] = [Date.now(), performance.now()];
    sends.push(post(message).then((failure) => onAnswer(message.msgId, sentAt, failure, performance.now() - t0)));
  }
  await Promise.all(sends);
  return (performance.now() - started) / 1000;
}

await openLoop(total, warmUp, () => {});
const measuredFrom = Date.now();
const acked: [string, number][] = [];
const latencies: number[] = [];
/** Answers other than `success`, by what they were (WeChat would retry each). */
const refused: Record<string, number> = {};
const sentFor = await openLoop(0, total, (msgId, sentAt, failure, ms) => {
  if (failure) return void (refused[failure] = (refused[failure] ?? 0) + 1);
  acked.push([msgId, sentAt]);
  latencies.push(ms);
});
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({ measuredFrom, sentFor, acked, refused, p50: percentile(latencies, 50), p99: percentile(latencies, 99) }));
