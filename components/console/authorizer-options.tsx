"use client";
// Authorizer options (location_report, voice_recognize, customer_service): read from WeChat on
// request (each read is an API call against the account's quota), set by operators.
import { useLocale, useTranslations } from "next-intl";
import { useState } from "react";
import type { OptionValue } from "@/lib/console/authorizer-operations";
import type { ActionResult } from "@/lib/console/safe-action";
import type { AuthorizerOptionName } from "@/lib/wechat/api";
import { classifyErrcode } from "@/lib/wechat/errors";
import { ActionFeedback } from "./action-feedback";
import { DataTable } from "./data-table";
import { useConsoleAction } from "./use-console-action";

type Props = {
  appid: string;
  canSet: boolean;
  options: Record<AuthorizerOptionName, readonly string[]>;
  readOptions: (input: { appid: string }) => Promise<ActionResult<OptionValue[]>>;
  setOption: (input: { appid: string; name: AuthorizerOptionName; value: string }) => Promise<ActionResult<OptionValue>>;
};

export function AuthorizerOptions({ appid, canSet, options, readOptions, setOption }: Props) {
  const t = useTranslations("console.detail.options");
  const locale = useLocale();
  const read = useConsoleAction(readOptions);
  const write = useConsoleAction(setOption);
  const [values, setValues] = useState<Partial<Record<AuthorizerOptionName, string>>>({});
  const loaded = read.result?.ok ? read.result.data : null;
  const current = (name: AuthorizerOptionName) => values[name] ?? loaded?.find((o) => o.name === name)?.value ?? "";
  const valueCell = (name: AuthorizerOptionName) => {
    const entry = loaded?.find((o) => o.name === name);
    if (entry?.errcode) {
      // WeChat's errcode with what it means for this account, not the bare number.
      const advice = classifyErrcode(entry.errcode);
      return (
        <span className="error-text small" data-testid="option-unavailable">
          {t("unavailable", { errcode: entry.errcode, advice: locale === "en" ? advice.action : advice.actionZh })}
        </span>
      );
    }
    if (!canSet) return <span>{entry?.value ? t(`values.${name}.${entry.value}`) : "—"}</span>;
    return (
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          write.run({ appid, name, value: current(name) }, { refresh: false });
        }}
      >
        <select
          aria-label={t(`names.${name}`)}
          value={current(name)}
          onChange={(e) => setValues((v) => ({ ...v, [name]: e.target.value }))}
        >
          {options[name].map((value) => (
            <option key={value} value={value}>
              {t(`values.${name}.${value}`)}
            </option>
          ))}
        </select>
        <button className="button secondary" type="submit" disabled={write.pending}>
          {t("save")}
        </button>
      </form>
    );
  };
  return (
    <div data-testid="authorizer-options">
      <button
        className="button secondary"
        type="button"
        disabled={read.pending}
        onClick={() => read.run({ appid }, { refresh: false, onSuccess: () => setValues({}) })}
      >
        {read.pending ? t("loading") : loaded ? t("reload") : t("load")}
      </button>
      <ActionFeedback error={read.result && !read.result.ok ? read.result.error : null} />
      {loaded ? (
        <DataTable
          className="options-table"
          columns={[
            {
              rowHeader: true,
              cell: (name) => (
                <>
                  {t(`names.${name}`)} <code className="small">{name}</code>
                </>
              ),
            },
            { cell: valueCell },
          ]}
          rows={Object.keys(options) as AuthorizerOptionName[]}
          rowKey={(name) => name}
        />
      ) : null}
      <ActionFeedback
        error={write.result && !write.result.ok ? write.result.error : null}
        success={write.result?.ok ? t("saved", { name: t(`names.${write.result.data.name}`) }) : null}
      />
    </div>
  );
}
