"use server";
// Server actions of the staff page (admins only): create an account, change a role, disable or
// enable, set a new password.
import type { z } from "zod";
import { staffAction } from "@/lib/console/safe-action";
import {
  changeRoleSchema,
  changeStaffRole,
  createStaff,
  createStaffSchema,
  setDisabledSchema,
  setPasswordSchema,
  setStaffDisabled,
  setStaffPassword,
} from "@/lib/console/staff-users";

const create = staffAction({ action: "staff.manage", schema: createStaffSchema, run: ({ input, actor }) => createStaff({ input, actor }) });
export async function createStaffAction(input: z.input<typeof createStaffSchema>) {
  return create(input);
}

const changeRole = staffAction({
  action: "staff.manage",
  schema: changeRoleSchema,
  run: ({ input, actor }) => changeStaffRole({ input, actor }),
});
export async function changeRoleAction(input: z.input<typeof changeRoleSchema>) {
  return changeRole(input);
}

const setDisabled = staffAction({
  action: "staff.manage",
  schema: setDisabledSchema,
  run: ({ input, actor }) => setStaffDisabled({ input, actor }),
});
export async function setDisabledAction(input: z.input<typeof setDisabledSchema>) {
  return setDisabled(input);
}

const setPassword = staffAction({
  action: "staff.manage",
  schema: setPasswordSchema,
  run: ({ input, actor }) => setStaffPassword({ input, actor }),
});
export async function setPasswordAction(input: z.input<typeof setPasswordSchema>) {
  return setPassword(input);
}
