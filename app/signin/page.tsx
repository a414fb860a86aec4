import { getTranslations } from "next-intl/server";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { LanguageSwitch } from "@/components/ui/language-switch";
import { currentStaff } from "@/lib/auth/session";

// Only same-site paths: an attacker-supplied callbackUrl must not bounce staff to another site.
const safeCallback = (value: string | undefined) => (value && value.startsWith("/") && !value.startsWith("//") ? value : "/console");

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
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
