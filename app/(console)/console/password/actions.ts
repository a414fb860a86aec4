"use server";
// Server action of the password page: the signed-in member changes their own password.
import { currentSession } from "@/lib/auth/session";
import { ConsoleError } from "@/lib/console/errors";
import { changePassword } from "@/lib/console/password-change";
import { passwordChangeSchema, type PasswordChangeInput } from "@/lib/console/password-schema";
import { staffAction } from "@/lib/console/safe-action";

const change = staffAction({
  action: "staff.change_own_password",
  schema: passwordChangeSchema(),
  run: async ({ input, actor }) => {
    // staffAction has checked the session; this names which one stays signed in.
    const session = await currentSession();
    if (!session || session.staff.id !== actor.actorId) throw new ConsoleError("not_found", "The session ended meanwhile.");
    return changePassword({ input, actor, sessionId: session.sessionId });
  },
});

export async function changePasswordAction(input: PasswordChangeInput) {
  return change(input);
}
