// Why a merchant page could not open an attempt (bad query, unknown link, too many tries), as a
// page-level failure. No attempt was created in any of these cases.
import { useTranslations } from "next-intl";
import type { OpenedAttempt } from "@/lib/merchant/attempts";
import { FailurePanel } from "./failure-panel";
import styles from "./merchant.module.css";

export function OpenProblem({ opened }: { opened: Exclude<OpenedAttempt, { kind: "ok" }> }) {
  const fields = useTranslations("merchant.fields");
  let panel: React.ReactNode;
  switch (opened.kind) {
    case "invalid":
      panel = (
        <FailurePanel level={1} problem="invalid_query" values={{ fields: opened.fields.map((field) => fields(field)).join("; ") }} />
      );
      break;
    case "not_found":
      panel = <FailurePanel level={1} problem="not_found" />;
      break;
    case "throttled":
      panel = <FailurePanel level={1} problem="throttled" values={{ minutes: Math.max(1, Math.ceil(opened.retryAfterSeconds / 60)) }} />;
      break;
  }
  return <section className={styles.panel}>{panel}</section>;
}
