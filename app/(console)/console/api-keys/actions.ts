"use server";
// Server actions of the API keys page (admins only): create a key with its scope (its only
// showing), revoke one.
import { z } from "zod";
import { staffAction } from "@/lib/console/safe-action";
import { createApiKey, revokeApiKey } from "@/lib/token-centre/api-keys";
import { apiKeyScopeSchema, DEFAULT_CONSOLE_SCOPE, describeScope } from "@/lib/token-centre/scopes";

// The form always sends a scope; without one (an older page still open) the key gets the form's
// own default, every read and no write.
const createInput = z.object({ name: z.string().trim().min(1).max(200), scope: apiKeyScopeSchema.default(DEFAULT_CONSOLE_SCOPE) });
const create = staffAction({
  action: "api_key.create",
  schema: createInput,
  run: async ({ input, actor }) => {
    const created = await createApiKey({ name: input.name, scope: input.scope, createdById: actor.actorId, actor });
    return { id: created.id, name: created.name, prefix: created.prefix, key: created.key, scope: describeScope(created.scope) };
  },
});
export async function createApiKeyAction(input: z.input<typeof createInput>) {
  return create(input);
}

const revokeInput = z.object({ id: z.uuid() });
const revoke = staffAction({
  action: "api_key.revoke",
  schema: revokeInput,
  run: async ({ input, actor }) => {
    const revoked = await revokeApiKey({ idOrPrefix: input.id, actor });
    return { id: revoked.id, alreadyRevoked: revoked.alreadyRevoked };
  },
});
export async function revokeApiKeyAction(input: z.input<typeof revokeInput>) {
  return revoke(input);
}
