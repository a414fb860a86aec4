// The account page's head: avatar, name, appid, kind, verification, status and WeChat's QR of the account.
import { getTranslations } from "next-intl/server";
import type { AuthorizerDetail } from "@/lib/console/authorizer-detail";
import { KindLabel, StatusBadge, VerificationLabel } from "../authorizer-labels";
import { Avatar } from "../avatar";

export async function AuthorizerHeader({ authorizer }: { authorizer: AuthorizerDetail }) {
  const t = await getTranslations("console.detail");
  return (
    <header className="detail-head">
      <Avatar src={authorizer.headImg} name={authorizer.nickName} size={64} />
      <div className="grow">
        <h1 data-testid="detail-name">{authorizer.nickName ?? t("unnamed")}</h1>
        <p className="muted">
          <code data-testid="detail-appid">{authorizer.appid}</code> · <KindLabel kind={authorizer.kind} /> ·{" "}
          <VerificationLabel verification={authorizer.verification} /> · <StatusBadge status={authorizer.status} />
        </p>
      </div>
      {authorizer.qrcodeUrl && /^https?:\/\//.test(authorizer.qrcodeUrl) ? (
        // WeChat's own QR image of the account (qrcode_url); see Avatar for why it is a plain img.
        // eslint-disable-next-line @next/next/no-img-element
        <img className="account-qr" src={authorizer.qrcodeUrl} alt={t("qrAlt")} width={96} height={96} referrerPolicy="no-referrer" />
      ) : null}
    </header>
  );
}
