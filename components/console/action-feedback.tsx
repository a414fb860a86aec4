"use client";
// What a console action said: a success line, or the error in the staff member's language (codes
// come from lib/console/errors.ts; WeChat's errcodes carry their own advice).
import { useLocale, useTranslations } from "next-intl";
import type { ActionError } from "@/lib/console/errors";
import { classifyErrcode } from "@/lib/wechat/errors";

export function useActionErrorText() {
  const t = useTranslations("console.errors");
  const roles = useTranslations("console.role");
  const locale = useLocale();
  return (error: ActionError): string => {
    if (error.code === "forbidden") return t("forbidden", { role: roles(error.needed ?? "admin") });
    if (error.code === "wechat_error" && error.errcode !== undefined) {
      const advice = classifyErrcode(error.errcode);
      return t("wechat_error", { errcode: error.errcode, advice: locale === "en" ? advice.action : advice.actionZh });
    }
    if (error.code === "invalid_input") return t("invalid_input", { fields: (error.issues ?? []).map((i) => i.path).join(", ") });
    if (error.code === "internal_error") return t("internal_error", { reference: error.reference ?? "" });
    return t(error.code);
  };
}

export function ActionFeedback({ error, success }: { error?: ActionError | null; success?: string | null }) {
  const describe = useActionErrorText();
  if (error) {
    return (
      <p className="error" role="alert" data-testid="action-error">
        {describe(error)}
      </p>
    );
  }
  if (success) {
    return (
      <p className="success" role="status" data-testid="action-success">
        {success}
      </p>
    );
  }
  return null;
}
