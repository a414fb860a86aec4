"use client";
// The signed-in member's own password: the current one, the new one twice. Checked in the browser with
// the schema the server parses again (lib/console/password-change.ts); a wrong current password comes
// back from the server and is said beside its field.
import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { PASSWORD_MIN, passwordChangeSchema, type PasswordChangeInput } from "@/lib/console/password-schema";
import type { ActionResult } from "@/lib/console/safe-action";
import { ActionFeedback } from "./action-feedback";

// In the browser zod would probe for eval to compile its parsers; the console's CSP refuses eval.
if (typeof window !== "undefined") z.config({ jitless: true });

type Field = keyof PasswordChangeInput;

const AUTOCOMPLETE: Record<Field, string> = {
  currentPassword: "current-password",
  newPassword: "new-password",
  confirmPassword: "new-password",
};

export function PasswordForm({
  changePassword,
}: {
  changePassword: (input: PasswordChangeInput) => Promise<ActionResult<{ endedSessions: number }>>;
}) {
  const t = useTranslations("console.password");
  const schema = passwordChangeSchema({
    current: t("errors.current"),
    tooShort: t("errors.tooShort", { min: PASSWORD_MIN }),
    tooLong: t("errors.tooLong"),
    mismatch: t("errors.mismatch"),
  });
  const { register, handleSubmit, formState, setError, setFocus, reset } = useForm<PasswordChangeInput>({
    resolver: zodResolver(schema),
    defaultValues: { currentPassword: "", newPassword: "", confirmPassword: "" },
  });
  const [result, setResult] = useState<ActionResult<{ endedSessions: number }> | null>(null);

  const onSubmit = async (values: PasswordChangeInput) => {
    setResult(null);
    const outcome = await changePassword(values);
    if (outcome.ok) {
      reset();
      setResult(outcome);
      return;
    }
    if (outcome.error.code === "wrong_password") {
      setError("currentPassword", { message: t("errors.wrong") });
      setFocus("currentPassword");
      return;
    }
    if (outcome.error.code === "same_password") {
      setError("newPassword", { message: t("errors.same") });
      setFocus("newPassword");
      return;
    }
    setResult(outcome);
  };

  const field = (name: Field, help?: string) => {
    const error = formState.errors[name]?.message;
    const describedBy = [help ? `${name}-help` : null, error ? `${name}-error` : null].filter(Boolean).join(" ") || undefined;
    return (
      <div className="field">
        <label htmlFor={name}>{t(`fields.${name}`)}</label>
        <input
          id={name}
          type="password"
          autoComplete={AUTOCOMPLETE[name]}
          aria-invalid={!!error}
          aria-describedby={describedBy}
          {...register(name)}
        />
        {help ? (
          <span id={`${name}-help`} className="small muted">
            {help}
          </span>
        ) : null}
        {error ? (
          <span id={`${name}-error`} className="error-text small" data-testid={`${name}-error`}>
            {error}
          </span>
        ) : null}
      </div>
    );
  };

  return (
    <form className="card section narrow-form" onSubmit={handleSubmit(onSubmit)} noValidate data-testid="password-form">
      {field("currentPassword")}
      {field("newPassword", t("help", { min: PASSWORD_MIN }))}
      {field("confirmPassword")}
      <button className="button" type="submit" disabled={formState.isSubmitting} data-testid="change-password">
        {formState.isSubmitting ? t("submitting") : t("submit")}
      </button>
      <ActionFeedback
        error={result && !result.ok ? result.error : null}
        success={result?.ok ? t("changed", { count: result.data.endedSessions }) : null}
      />
    </form>
  );
}
