// What staff can do to one account from its page, each audited: refresh its token now, read and
// set its authorizer options, and make a re-authorization link pinned to it. Revoking is not here
// on purpose: only the merchant can revoke, in WeChat's own admin.
import { z } from "zod";
import { recordAudit } from "../audit";
import { db } from "../db";
import { refreshAuthorizerToken, withAuthorizerToken } from "../credentials/authorizer-token";
import { wechatApi } from "../upstream";
import type { AuthorizerOptionName } from "../wechat/api";
import { WeChatApiError } from "../wechat/errors";
import { ConsoleError } from "./errors";
import type { StaffActor } from "./safe-action";

export type RefreshResult = { expiresAt: Date; refreshedAt: Date };

/** Refreshes the access token now (api_authorizer_token), whether or not it is due. */
export async function refreshTokenNow({ appid, actor }: { appid: string; actor: StaffActor }): Promise<RefreshResult> {
  try {
    const token = await refreshAuthorizerToken(appid, { force: true });
    // What was stored (the page shows the same), not the refresher's own clock reading.
    const stored = await db().authorizerCredential.findUnique({
      where: { authorizerAppid: appid },
      select: { accessTokenExpiresAt: true, lastRefreshedAt: true },
    });
    const expiresAt = stored?.accessTokenExpiresAt ?? token.expiresAt;
    await recordAudit({
      ...actor,
      action: "credential.refreshed_by_staff",
      target: appid,
      details: { expiresAt: expiresAt.toISOString(), version: token.version },
    });
    return { expiresAt, refreshedAt: stored?.lastRefreshedAt ?? new Date() };
  } catch (error) {
    // The attempt is part of the credential's story too, failed or not.
    await recordAudit({
      ...actor,
      action: "credential.refresh_by_staff_failed",
      target: appid,
      details: { error: error instanceof Error ? error.message.slice(0, 300) : String(error) },
    });
    throw error;
  }
}

/** Authorizer options (official accounts): their names and the values WeChat accepts. */
export const AUTHORIZER_OPTIONS = {
  location_report: ["0", "1", "2"],
  voice_recognize: ["0", "1"],
  customer_service: ["0", "1"],
} as const satisfies Record<AuthorizerOptionName, readonly string[]>;

export const OPTION_NAMES = Object.keys(AUTHORIZER_OPTIONS) as AuthorizerOptionName[];

export const optionInputSchema = z
  .object({
    appid: z.string().min(1).max(64),
    name: z.enum(OPTION_NAMES as [AuthorizerOptionName, ...AuthorizerOptionName[]]),
    value: z.string(),
  })
  .refine((input) => (AUTHORIZER_OPTIONS[input.name] as readonly string[]).includes(input.value), {
    path: ["value"],
    message: "not a value this option takes",
  });

export type OptionValue = { name: AuthorizerOptionName; value: string | null; errcode: number | null };

async function requireActiveOfficialAccount(appid: string): Promise<void> {
  const row = await db().authorizer.findUnique({ where: { appid }, select: { accountType: true } });
  if (!row) throw new ConsoleError("not_found", `No authorizer ${appid}.`);
  // WeChat's options (location report, voice recognition, customer service) exist for official accounts only.
  if (row.accountType !== "official_account")
    throw new ConsoleError("not_applicable", "Authorizer options apply to official accounts only.");
}

/** The current option values, read from WeChat (one call each; a refused one is reported, not thrown). */
export async function readAuthorizerOptions(appid: string): Promise<OptionValue[]> {
  await requireActiveOfficialAccount(appid);
  return Promise.all(
    OPTION_NAMES.map(async (name) => {
      try {
        const option = await withAuthorizerToken(appid, (authorizerAccessToken) =>
          wechatApi().getAuthorizerOption({ authorizerAccessToken, optionName: name }),
        );
        return { name, value: option.optionValue, errcode: null };
      } catch (error) {
        // 61007 (permission set missing) and friends belong next to the option, not instead of the page.
        if (error instanceof WeChatApiError) return { name, value: null, errcode: error.errcode };
        throw error;
      }
    }),
  );
}

export async function setAuthorizerOption({
  appid,
  name,
  value,
  actor,
}: {
  appid: string;
  name: AuthorizerOptionName;
  value: string;
  actor: StaffActor;
}): Promise<OptionValue> {
  await requireActiveOfficialAccount(appid);
  await withAuthorizerToken(appid, (authorizerAccessToken) =>
    wechatApi().setAuthorizerOption({ authorizerAccessToken, optionName: name, optionValue: value }),
  );
  await recordAudit({ ...actor, action: "authorizer.option_set", target: appid, details: { option: name, value } });
  return { name, value, errcode: null };
}
