import { getTranslations } from "next-intl/server";
import Link from "next/link";
import { ConsoleNav } from "@/components/console/console-nav";
import { SignOutButton } from "@/components/console/sign-out-button";
import { LanguageSwitch } from "@/components/ui/language-switch";
import { requireStaff } from "@/lib/auth/session";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const staff = await requireStaff();
  const t = await getTranslations("console");
  const app = await getTranslations("app");
  const items = [
    { href: "/console", label: t("nav.overview") },
    { href: "/console/authorizers", label: t("nav.authorizers") },
    { href: "/console/authorizers/sync", label: t("nav.sync") },
    { href: "/console/links", label: t("nav.links") },
    { href: "/console/webhooks", label: t("nav.webhooks") },
    { href: "/console/health", label: t("nav.health") },
    { href: "/console/api-keys", label: t("nav.apiKeys") },
    { href: "/console/users", label: t("nav.users") },
    { href: "/console/audit", label: t("nav.audit") },
  ];
  return (
    <>
      <header className="topbar">
        <Link className="brand" href="/console">
          {app("name")}
        </Link>
        <div style={{ display: "flex", gap: 12, alignItems: "center", flexWrap: "wrap" }}>
          <LanguageSwitch />
          <span className="muted" data-testid="staff-identity">
            {staff.email} · {t(`role.${staff.role}`)}
          </span>
          <Link className="small" href="/console/password" data-testid="change-password-link">
            {t("changePassword")}
          </Link>
          <SignOutButton label={t("signOut")} />
        </div>
      </header>
      <div className="console">
        <ConsoleNav items={items} label={app("name")} />
        <main>{children}</main>
      </div>
    </>
  );
}
