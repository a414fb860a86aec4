// /console/users — staff accounts and roles. Everyone sees who has access; only admins change it.
import { getFormatter, getTranslations } from "next-intl/server";
import { CreateStaffForm, StaffRowControls } from "@/components/console/staff-forms";
import { requireStaff } from "@/lib/auth/session";
import { mayRun } from "@/lib/console/permissions";
import { listStaffUsers } from "@/lib/console/staff-users";
import { changeRoleAction, createStaffAction, setDisabledAction, setPasswordAction } from "./actions";

export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const staff = await requireStaff();
  const [users, t, format] = await Promise.all([listStaffUsers(), getTranslations("console.users"), getFormatter()]);
  const roles = await getTranslations("console.role");
  const canManage = mayRun(staff.role, "staff.manage");
  const when = (d: Date | null) => (d ? format.dateTime(d, { dateStyle: "medium", timeStyle: "short" }) : "—");
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      {canManage ? (
        <CreateStaffForm createStaff={createStaffAction} />
      ) : (
        <p className="muted small" data-testid="read-only-note">
          {t("adminOnly")}
        </p>
      )}
      <div className="table-scroll card flush">
        <table data-testid="staff-table">
          <thead>
            <tr>
              <th scope="col">{t("email")}</th>
              <th scope="col">{t("role")}</th>
              <th scope="col">{t("lastSignIn")}</th>
              <th scope="col">{t("state")}</th>
              {canManage ? <th scope="col" /> : null}
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} data-testid="staff-row" data-email={user.email}>
                <td>
                  {user.email}
                  {user.name ? <div className="small muted">{user.name}</div> : null}
                </td>
                <td data-testid="staff-role">{roles(user.role)}</td>
                <td className="small nowrap">{when(user.lastSignInAt)}</td>
                <td>
                  {user.disabledAt ? <span className="badge bad">{t("disabled")}</span> : <span className="badge ok">{t("active")}</span>}
                </td>
                {canManage ? (
                  <td>
                    {user.id === staff.id ? (
                      <span className="small muted">{t("you")}</span>
                    ) : (
                      <StaffRowControls
                        id={user.id}
                        email={user.email}
                        role={user.role}
                        disabled={!!user.disabledAt}
                        changeRole={changeRoleAction}
                        setDisabled={setDisabledAction}
                        setPassword={setPasswordAction}
                      />
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
