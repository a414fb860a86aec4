"use client";
// A long value (a link) to read or copy: a read-only field and a copy button.
import { useState } from "react";

export function CopyField({
  label,
  value,
  copyLabel,
  copiedLabel,
  testId,
}: {
  label: string;
  value: string;
  copyLabel: string;
  copiedLabel: string;
  testId?: string;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="field copy-field">
      <span>{label}</span>
      <div className="copy-row">
        <input readOnly value={value} aria-label={label} data-testid={testId} onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          className="button secondary"
          onClick={async () => {
            await navigator.clipboard?.writeText(value).catch(() => undefined);
            setCopied(true);
            setTimeout(() => setCopied(false), 2000);
          }}
        >
          {copied ? copiedLabel : copyLabel}
        </button>
      </div>
    </div>
  );
}
