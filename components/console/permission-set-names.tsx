// Permission sets in running text: each by its name with the id muted beside it ("消息管理 (1)、用户管理 (2)"),
// where a list of attempts or an audit entry would otherwise show WeChat's bare "1|2".
import { Fragment } from "react";
import { permissionSetName, type PermissionSetLocale } from "@/lib/wechat/permission-sets";

export function PermissionSetNames({
  ids,
  locale,
  none,
  testId,
}: {
  ids: readonly number[];
  locale: PermissionSetLocale;
  /** What stands when there are no ids (a link offering every set, say). */
  none: string;
  testId?: string;
}) {
  if (ids.length === 0) return <span data-testid={testId}>{none}</span>;
  const separator = locale === "en" ? ", " : "、";
  return (
    <span data-testid={testId}>
      {ids.map((id, i) => (
        <Fragment key={id}>
          {i > 0 ? separator : null}
          <span data-set-id={id}>
            {permissionSetName(id, locale)} <span className="muted small">({id})</span>
          </span>
        </Fragment>
      ))}
    </span>
  );
}
