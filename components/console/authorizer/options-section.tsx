// The account's options (official accounts only): read from WeChat on request, set by operators.
import { getTranslations } from "next-intl/server";
import type { ComponentProps } from "react";
import type { AuthorizerDetail } from "@/lib/console/authorizer-detail";
import { AUTHORIZER_OPTIONS } from "@/lib/console/authorizer-operations";
import { AuthorizerOptions } from "../authorizer-options";

type Props = {
  authorizer: Pick<AuthorizerDetail, "appid" | "accountType">;
  active: boolean;
  canSet: boolean;
} & Pick<ComponentProps<typeof AuthorizerOptions>, "readOptions" | "setOption">;

export async function OptionsSection({ authorizer, active, canSet, readOptions, setOption }: Props) {
  const t = await getTranslations("console.detail");
  return (
    <section className="card section">
      <h2>{t("options.title")}</h2>
      {authorizer.accountType !== "official_account" ? (
        <p className="muted">{t("options.officialOnly")}</p>
      ) : !active ? (
        <p className="muted">{t("actions.inactive")}</p>
      ) : (
        <AuthorizerOptions
          appid={authorizer.appid}
          canSet={canSet}
          options={AUTHORIZER_OPTIONS}
          readOptions={readOptions}
          setOption={setOption}
        />
      )}
    </section>
  );
}
