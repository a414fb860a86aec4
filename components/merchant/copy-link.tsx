"use client";
// The phone page's link, for a merchant who cannot scan: a real link (opened inside WeChat it goes
// straight on), and a button that copies it to paste into a WeChat chat (e.g. 文件传输助手) and
// open there. Falls back to selecting the text.
import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import styles from "./merchant.module.css";

export function CopyLink({ value, variant = "primary" }: { value: string; variant?: "primary" | "secondary" }) {
  const t = useTranslations("merchant.mobile");
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const box = useRef<HTMLAnchorElement>(null);

  const selectText = () => {
    const node = box.current;
    const selection = window.getSelection();
    if (!node || !selection) return;
    const range = document.createRange();
    range.selectNodeContents(node);
    selection.removeAllRanges();
    selection.addRange(range);
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      selectText();
      setState("failed");
    }
  };

  return (
    <div>
      <a ref={box} href={value} className={styles.linkBox} data-testid="copy-value">
        {value}
      </a>
      <div className={styles.copyRow}>
        <button
          type="button"
          className={`button ${variant === "secondary" ? "secondary" : ""} ${styles.copyButton}`}
          onClick={copy}
          data-testid="copy-link"
        >
          {t("copy")}
        </button>
        <span role="status" className={styles.copyNote} data-testid="copy-status">
          {state === "copied" ? t("copied") : state === "failed" ? t("copyFailed") : ""}
        </span>
      </div>
    </div>
  );
}
