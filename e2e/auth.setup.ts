// The setup project: the seeded admin signs in once, and the console specs start from the session
// saved here (test.use({ storageState: STAFF_STATE })) instead of signing in in every test. Specs that
// sign out or end sessions do it in sessions of their own, so this one stays valid for the run.
import { E2E } from "./config";
import { expect, signIn, STAFF_STATE, test as setup } from "./fixtures";

setup("the seeded admin signs in once for the console specs", async ({ page }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.getByTestId("staff-identity")).toContainText(E2E.admin.email);
  await page.context().storageState({ path: STAFF_STATE });
});
