// WeChat's automated 全网发布 (release) checks on the message URL. They come only from WeChat's
// dedicated test accounts, so only those get the check answers: a real merchant's followers must
// never see "subscribefrom_callback", and a stranger typing QUERY_AUTH_CODE:... into a merchant's
// account must not make the portal spend api_query_auth quota.
import { getEnv } from "../env";
import { logger } from "../logger";
import { withComponentToken } from "../credentials/component-token";
import { wechatApi } from "../upstream";
import { buildTextCustomMessage } from "../wechat/api";
import type { AuthorizerMessage } from "../wechat/authorizer-message";

/** The test groups' official accounts and mini programs (docs/wechat/event-and-message-urls.md, release checks). */
export const RELEASE_TEST_APPIDS: ReadonlySet<string> = new Set([
  "wx570bc396a51b8ff8",
  "wx9252c5e0bb1836fc",
  "wx8e1097c5bc82cde9",
  "wx14550af28c71a144",
  "wxa35b9c23cfe664eb",
  "wxd101a85aa106f53e",
  "wxc39235c15087f6f3",
  "wx7720d01d4b2a4500",
  "wx05d483572dcd5d8b",
  "wx5910277cae6fd970",
]);

export const RELEASE_TEXT = "TESTCOMPONENT_MSG_TYPE_TEXT";
const QUERY_AUTH_CODE = /^QUERY_AUTH_CODE:(\S+)$/;

export type ReleaseCheckAnswer =
  /** A passive text reply, encrypted by the caller. */
  | { kind: "text"; content: string }
  /** Answer empty at once, then do `afterwards`. */
  | { kind: "empty"; afterwards: () => Promise<void> }
  /** Not a release check. */
  | { kind: "none" };

/**
 * The QUERY_AUTH_CODE case, after the empty answer: exchange the code (api_query_auth), then send
 * `<code>_from_api` to the sender as a customer-service message with the token the exchange gave.
 * The test account is not a merchant: nothing is stored.
 */
export async function answerQueryAuthCode({
  appid,
  authorizationCode,
  toUser,
}: {
  appid: string;
  authorizationCode: string;
  toUser: string;
}): Promise<void> {
  const componentAppid = getEnv().component.appid;
  const grant = await withComponentToken((componentAccessToken) =>
    wechatApi().queryAuth({ componentAccessToken, componentAppid, authorizationCode }),
  );
  if (grant.authorizerAppid !== appid) {
    logger.warn(
      { appid, authorizerAppid: grant.authorizerAppid },
      "release check: the auth code belongs to another account; no message sent",
    );
    return;
  }
  await wechatApi().sendCustomMessage({
    authorizerAccessToken: grant.authorizerAccessToken,
    message: buildTextCustomMessage({ toUser, content: `${authorizationCode}_from_api` }),
  });
  logger.info({ appid }, "release check: QUERY_AUTH_CODE answered with a customer-service message");
}

/** What the release check expects for `message`, or `none` when it is not one. */
export function answerReleaseCheck({ appid, message }: { appid: string; message: AuthorizerMessage }): ReleaseCheckAnswer {
  if (!RELEASE_TEST_APPIDS.has(appid)) return { kind: "none" };
  if (message.MsgType === "event" && message.Event) return { kind: "text", content: `${message.Event}from_callback` };
  if (message.MsgType !== "text" || message.Content === undefined) return { kind: "none" };
  if (message.Content === RELEASE_TEXT) return { kind: "text", content: `${RELEASE_TEXT}_callback` };
  const authorizationCode = QUERY_AUTH_CODE.exec(message.Content)?.[1];
  if (!authorizationCode) return { kind: "none" };
  return {
    kind: "empty",
    afterwards: async () => {
      try {
        await answerQueryAuthCode({ appid, authorizationCode, toUser: message.FromUserName });
      } catch (error) {
        // Logged, never thrown: the answer has gone already and nothing else is waiting on this.
        logger.error({ appid, err: error }, "release check: QUERY_AUTH_CODE could not be answered");
      }
    },
  };
}
