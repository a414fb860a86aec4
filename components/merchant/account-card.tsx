// The account that authorized: avatar, name, kind (服务号 / 订阅号 / 小程序 …), verified or not.
import { useTranslations } from "next-intl";
import { getAccountKindKey, isVerified } from "@/lib/merchant/account-kind";
import type { PublicAuthorizer } from "@/lib/merchant/types";
import styles from "./merchant.module.css";

export function AccountCard({ authorizer }: { authorizer: PublicAuthorizer }) {
  const t = useTranslations("merchant.account");
  const verified = isVerified(authorizer.verifyType);
  const kind = t(`kind.${getAccountKindKey(authorizer)}`);
  return (
    <div className={styles.account} data-testid="authorizer">
      {authorizer.headImg ? (
        // WeChat's avatar host refuses requests that carry a Referer; the name beside it says who it is.
        // eslint-disable-next-line @next/next/no-img-element
        <img className={styles.avatar} src={authorizer.headImg} alt="" width={56} height={56} referrerPolicy="no-referrer" />
      ) : (
        <span className={styles.avatar} aria-hidden="true" />
      )}
      <div className={styles.accountInfo}>
        <span className={styles.accountName} data-testid="authorizer-name">
          {authorizer.nickName ?? authorizer.appid}
        </span>
        <span className={styles.accountMeta} data-testid="authorizer-kind">
          {verified === null ? kind : `${kind} · ${t(verified ? "verified" : "unverified")}`}
        </span>
        <span className={styles.accountMeta}>AppID {authorizer.appid}</span>
      </div>
    </div>
  );
}
