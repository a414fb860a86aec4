"use server";
// Server actions of the authorized-accounts pages. Each goes through staffAction: role checked on the
// server, input parsed with zod, errors mapped in lib/console/errors.ts.
import { z } from "zod";
import { importAuthorizerBatch, resyncAuthorizerInfo, SYNC_BATCH_SIZE } from "@/lib/console/authorizer-sync";
import { optionInputSchema, readAuthorizerOptions, refreshTokenNow, setAuthorizerOption } from "@/lib/console/authorizer-operations";
import { changeMerchant, merchantInputSchema } from "@/lib/console/authorizer-detail";
import { createLink, linkInputSchema } from "@/lib/console/links";
import { staffAction } from "@/lib/console/safe-action";
import { appidSchema } from "@/lib/wechat/links";

const appidInput = z.object({ appid: z.string().trim().min(1).max(64) });

const refresh = staffAction({
  action: "authorizer.refresh_token",
  schema: appidInput,
  run: ({ input, actor }) => refreshTokenNow({ appid: input.appid, actor }),
});
export async function refreshTokenAction(input: z.input<typeof appidInput>) {
  return refresh(input);
}

const resync = staffAction({
  action: "authorizer.resync",
  schema: appidInput,
  run: ({ input, actor }) => resyncAuthorizerInfo({ appid: input.appid, actor }),
});
export async function resyncInfoAction(input: z.input<typeof appidInput>) {
  return resync(input);
}

const readOptions = staffAction({
  action: "authorizer.read_options",
  schema: appidInput,
  run: ({ input }) => readAuthorizerOptions(input.appid),
});
export async function readOptionsAction(input: z.input<typeof appidInput>) {
  return readOptions(input);
}

const setOption = staffAction({
  action: "authorizer.set_option",
  schema: optionInputSchema,
  run: ({ input, actor }) => setAuthorizerOption({ ...input, actor }),
});
export async function setOptionAction(input: z.input<typeof optionInputSchema>) {
  return setOption(input);
}

const reauthorizationInput = linkInputSchema.omit({ purpose: true }).extend({ bizAppid: appidSchema });
const reauthorize = staffAction({
  action: "link.create",
  schema: reauthorizationInput,
  run: ({ input, actor }) => createLink({ input: { ...input, purpose: "reauthorization" }, actor }),
});
export async function createReauthorizationLinkAction(input: z.input<typeof reauthorizationInput>) {
  return reauthorize(input);
}

const syncInput = z.object({
  offset: z.number().int().min(0).max(10_000_000),
  count: z.number().int().min(1).max(100).default(SYNC_BATCH_SIZE),
});
const sync = staffAction({
  action: "authorizer.sync",
  schema: syncInput,
  run: ({ input, actor }) => importAuthorizerBatch({ offset: input.offset, count: input.count, actor }),
});
export async function syncBatchAction(input: z.input<typeof syncInput>) {
  return sync(input);
}

const rebind = staffAction({
  action: "authorizer.rebind_merchant",
  schema: merchantInputSchema,
  run: ({ input, actor }) => changeMerchant({ input, actor }),
});
export async function changeMerchantAction(input: z.input<typeof merchantInputSchema>) {
  return rebind(input);
}
