// The frame of every merchant page: the portal's name, the language switch, one <main>.
import { getTranslations } from "next-intl/server";
import { LanguageSwitch } from "@/components/ui/language-switch";
import styles from "./merchant.module.css";

export async function MerchantShell({ children, narrow = false }: { children: React.ReactNode; narrow?: boolean }) {
  const t = await getTranslations("app");
  return (
    <div className={styles.shell}>
      <header className={styles.header}>
        <span className={styles.brand}>{t("name")}</span>
        <LanguageSwitch />
      </header>
      <main className={narrow ? `${styles.main} ${styles.narrow}` : styles.main}>{children}</main>
    </div>
  );
}
