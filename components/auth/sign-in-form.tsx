"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { signIn } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";

// In the browser zod would probe for eval (new Function) to compile its parsers; the page's CSP
// refuses eval, and the refused probe is reported as a violation. The server keeps the fast path.
if (typeof window !== "undefined") z.config({ jitless: true });

type Values = { email: string; password: string };

/** Turns next-auth's error string ("invalid", "throttled:SECONDS") into a sentence. */
function describeError(error: string, t: ReturnType<typeof useTranslations<"signin">>): string {
  const [code, seconds] = error.split(":");
  if (code === "throttled") return t("throttled", { minutes: Math.max(1, Math.ceil(Number(seconds) / 60)) });
  if (code === "invalid" || code === "CredentialsSignin") return t("invalid");
  return t("failed");
}

export function SignInForm({ callbackUrl, initialError }: { callbackUrl: string; initialError?: string }) {
  const t = useTranslations("signin");
  const router = useRouter();
  const [error, setError] = useState(initialError ? describeError(initialError, t) : "");
  const schema = z.object({
    email: z.string().trim().email(t("emailInvalid")),
    password: z.string().min(1, t("passwordRequired")),
  });
  const { register, handleSubmit, formState } = useForm<Values>({ resolver: zodResolver(schema) });

  const onSubmit = async (values: Values) => {
    setError("");
    const result = await signIn("credentials", { ...values, redirect: false });
    if (!result || result.error) {
      setError(describeError(result?.error ?? "failed", t));
      return;
    }
    router.replace(callbackUrl);
    router.refresh();
  };

  return (
    <form onSubmit={handleSubmit(onSubmit)} noValidate aria-describedby={error ? "signin-error" : undefined}>
      <div className="field">
        <label htmlFor="email">{t("email")}</label>
        <input id="email" type="email" autoComplete="username" aria-invalid={!!formState.errors.email} {...register("email")} />
        {formState.errors.email && <span className="error">{formState.errors.email.message}</span>}
      </div>
      <div className="field">
        <label htmlFor="password">{t("password")}</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          aria-invalid={!!formState.errors.password}
          {...register("password")}
        />
        {formState.errors.password && <span className="error">{formState.errors.password.message}</span>}
      </div>
      {error && (
        <p id="signin-error" role="alert" className="error">
          {error}
        </p>
      )}
      <button className="button" type="submit" disabled={formState.isSubmitting} style={{ width: "100%" }}>
        {formState.isSubmitting ? t("submitting") : t("submit")}
      </button>
    </form>
  );
}
