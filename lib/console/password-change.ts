// A staff member's own password change, as the server action runs it (the form's schema is
// lib/console/password-schema.ts, parsed in the browser and again here). The current password is asked for again, so a session left open
// on someone's desk cannot be used to take the account; other sessions end, this one stays.
import type { z } from "zod";
import { changeOwnPassword } from "../auth/staff";
import { ConsoleError } from "./errors";
import type { passwordChangeSchema } from "./password-schema";
import type { StaffActor } from "./safe-action";

export async function changePassword({
  input,
  actor,
  sessionId,
}: {
  input: z.output<ReturnType<typeof passwordChangeSchema>>;
  actor: StaffActor;
  sessionId: string;
}): Promise<{ endedSessions: number }> {
  const outcome = await changeOwnPassword({
    staffUserId: actor.actorId,
    sessionId,
    currentPassword: input.currentPassword,
    newPassword: input.newPassword,
    ip: actor.ip,
  });
  if (outcome.kind === "wrong_password") throw new ConsoleError("wrong_password", "The current password is not right.");
  if (outcome.kind === "throttled") throw new ConsoleError("throttled", `Too many tries; again in ${outcome.retryAfterSeconds} s.`);
  if (outcome.kind === "unchanged") throw new ConsoleError("same_password", "The new password is the current one.");
  return { endedSessions: outcome.endedSessions };
}
