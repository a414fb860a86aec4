// Three steps, so a merchant who has never done this knows what the phone will ask.
import { useTranslations } from "next-intl";
import styles from "./merchant.module.css";

export function HowItWorks() {
  const t = useTranslations("merchant.steps");
  return (
    <section className={styles.panel} aria-labelledby="steps-heading">
      <h2 id="steps-heading">{t("title")}</h2>
      <ol className={styles.steps}>
        <li>{t("scan")}</li>
        <li>{t("choose")}</li>
        <li>{t("confirm")}</li>
        <li>{t("done")}</li>
      </ol>
    </section>
  );
}
