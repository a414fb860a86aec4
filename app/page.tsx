import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { LanguageSwitch } from "@/components/ui/language-switch";

export default async function HomePage() {
  const t = await getTranslations();
  return (
    <>
      <header className="topbar">
        <span className="brand">{t("app.name")}</span>
        <LanguageSwitch />
      </header>
      <main className="container">
        <h1>{t("app.name")}</h1>
        <p className="muted">{t("app.tagline")}</p>
        <div className="grid" style={{ marginTop: 24 }}>
          <section className="card">
            <h2>{t("home.merchantTitle")}</h2>
            <p className="muted">{t("home.merchantBody")}</p>
            <Link className="button" href="/authorize">
              {t("home.authorize")}
            </Link>
          </section>
          <section className="card">
            <h2>{t("home.staffTitle")}</h2>
            <p className="muted">{t("home.staffBody")}</p>
            <Link className="button" href="/console">
              {t("home.console")}
            </Link>
          </section>
        </div>
      </main>
    </>
  );
}
