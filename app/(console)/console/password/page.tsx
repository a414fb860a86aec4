// /console/password — the signed-in member changes their own password; their other sessions end.
import { getTranslations } from "next-intl/server";
import { PasswordForm } from "@/components/console/password-form";
import { requireStaff } from "@/lib/auth/session";
import { changePasswordAction } from "./actions";

export const dynamic = "force-dynamic";

export default async function PasswordPage() {
  const staff = await requireStaff();
  const t = await getTranslations("console.password");
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro", { email: staff.email })}</p>
      <PasswordForm changePassword={changePasswordAction} />
    </>
  );
}
