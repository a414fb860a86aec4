// A console link stays pending for as long as it is offered (its deadline), even while it holds no
// live pre_auth_code: the next visit asks WeChat for one. Only a closed attempt counts as expired.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAttempt } from "@/lib/authorization/attempts";
import { ensureComponentRow } from "@/lib/component";
import { getEnv } from "@/lib/env";
import { listAttempts, loadAttempt } from "@/lib/console/links";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

describe(`console link statuses (${databaseKind})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await ensureComponentRow(t.database.prisma, getEnv().component.appid);
  });
  afterAll(() => t.drop());

  const ids = async (status: "pending" | "expired") => (await listAttempts({ status })).rows.map((row) => row.id);

  it("keeps an attempt whose code lapsed pending until its deadline, then shows it expired", async () => {
    const attempt = await createAttempt({ authType: 1 }, { mint: false });
    const hourAgo = new Date(Date.now() - 3600_000);
    // It was given a code once, and that code has lapsed.
    await t.database.prisma.authorizationAttempt.update({
      where: { id: attempt.id },
      data: {
        preAuthCode: "preauthcode@@@lapsed",
        codeIssuedAt: new Date(hourAgo.getTime() - 600_000),
        expiresAt: hourAgo,
        codesIssued: 1,
      },
    });
    expect((await loadAttempt(attempt.id))?.status).toBe("pending");
    expect(await ids("pending")).toContain(attempt.id);
    expect(await ids("expired")).not.toContain(attempt.id);

    await t.database.prisma.authorizationAttempt.update({ where: { id: attempt.id }, data: { deadlineAt: hourAgo } });
    expect((await loadAttempt(attempt.id))?.status).toBe("expired");
    expect(await ids("expired")).toContain(attempt.id);
    expect(await ids("pending")).not.toContain(attempt.id);
  });

  it("shows an attempt that spent every code it may ask for expired once the last one lapses", async () => {
    const attempt = await createAttempt({ authType: 2 }, { mint: false });
    await t.database.prisma.authorizationAttempt.update({
      where: { id: attempt.id },
      data: {
        preAuthCode: "preauthcode@@@last",
        codeIssuedAt: new Date(Date.now() - 700_000),
        expiresAt: new Date(Date.now() - 100_000),
        codesIssued: 12,
      },
    });
    expect((await loadAttempt(attempt.id))?.status).toBe("expired");
    expect(await ids("expired")).toContain(attempt.id);
  });
});
