// The own-password form's schema: the browser checks it as the member types (components/console/
// password-form.tsx) and the server action parses it again. No server code here: the form imports it.
import { z } from "zod";

/** As for an admin's reset (lib/console/staff-users.ts): at least 12 characters. */
export const PASSWORD_MIN = 12;
const PASSWORD_MAX = 200;

export type PasswordChangeMessages = { current: string; tooShort: string; tooLong: string; mismatch: string };

/** The messages are the form's (in the staff member's language); the server's are codes nobody reads. */
export function passwordChangeSchema(
  messages: PasswordChangeMessages = { current: "required", tooShort: "too_short", tooLong: "too_long", mismatch: "mismatch" },
) {
  return z
    .object({
      currentPassword: z.string().min(1, messages.current).max(PASSWORD_MAX, messages.tooLong),
      newPassword: z.string().min(PASSWORD_MIN, messages.tooShort).max(PASSWORD_MAX, messages.tooLong),
      confirmPassword: z.string(),
    })
    .refine((value) => value.newPassword === value.confirmPassword, { path: ["confirmPassword"], message: messages.mismatch });
}

export type PasswordChangeInput = z.input<ReturnType<typeof passwordChangeSchema>>;
