// Permission sets (权限集) as named badges: WeChat's official names (unknown ids as 权限集 N).
import { permissionSetName, type PermissionSetLocale } from "@/lib/wechat/permission-sets";

export function PermissionSetBadges({
  ids,
  locale,
  max,
  moreLabel,
}: {
  ids: number[];
  locale: PermissionSetLocale;
  max?: number;
  moreLabel?: (count: number) => string;
}) {
  const shown = max === undefined ? ids : ids.slice(0, max);
  const hidden = ids.length - shown.length;
  return (
    <span className="badges">
      {shown.map((id) => (
        <span
          key={id}
          className="badge set"
          data-testid="permission-set"
          data-set-id={id}
          title={`${permissionSetName(id, locale)} (${id})`}
        >
          {permissionSetName(id, locale)}
        </span>
      ))}
      {hidden > 0 ? (
        <span
          className="badge muted-badge"
          title={ids
            .slice(shown.length)
            .map((id) => `${permissionSetName(id, locale)} (${id})`)
            .join("、")}
        >
          {moreLabel ? moreLabel(hidden) : `+${hidden}`}
        </span>
      ) : null}
    </span>
  );
}
