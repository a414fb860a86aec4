"use server";
// Server actions of the links page: making an authorization link (an attempt with its pre_auth_code).
import type { z } from "zod";
import { createLink, linkInputSchema } from "@/lib/console/links";
import { staffAction } from "@/lib/console/safe-action";

const create = staffAction({
  action: "link.create",
  schema: linkInputSchema,
  run: ({ input, actor }) => createLink({ input, actor }),
});
export async function createLinkAction(input: z.input<typeof linkInputSchema>) {
  return create(input);
}
