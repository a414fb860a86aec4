import { getTranslations } from "next-intl/server";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { LanguageSwitch } from "@/components/ui/language-switch";
import { DEFAULT_CALLBACK_PATH, resolveCallbackPath } from "@/lib/auth/callback-url";
import { currentStaff } from "@/lib/auth/session";
import { getEnv } from "@/lib/env";

// Only somewhere on the portal: an attacker-supplied callbackUrl must not bounce staff to another
// site. Nor back here, which would go round in a loop once signed in.
function safeCallback(value: unknown): string {
  const path = resolveCallbackPath(value, { baseUrl: getEnv().publicBaseUrl });
  return new URL(path, "http://portal").pathname === "/signin" ? DEFAULT_CALLBACK_PATH : path;
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[]; error?: string }> }) {
  const { callbackUrl, error } = await searchParams;
  const target = safeCallback(callbackUrl);
  if (await currentStaff()) redirect(target);
  const t = await getTranslations();
  return (
    <>
      <header className="topbar">
        <span className="brand">{t("app.name")}</span>
        <LanguageSwitch />
      </header>
      <main className="container" style={{ maxWidth: 420 }}>
        <section className="card" style={{ marginTop: 40 }}>
          <h1>{t("signin.title")}</h1>
          <SignInForm callbackUrl={target} initialError={error} />
        </section>
      </main>
    </>
  );
}
