// Retiring an encryption key (npm run keys:reencrypt): values sealed under key A by their real
// owners are re-encrypted under B with TOKEN_ENCRYPTION_KEY=B,A, after which B alone opens every
// one of them through the same owners; a value written meanwhile is never overwritten; a second
// run does nothing; values no key opens are reported, not lost further.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { storeComponentPush, processStoredPush } from "@/lib/authorization/pushes";
import { dropCachedAuthorizerTokens, refreshContext } from "@/lib/credentials/authorizer-credentials";
import { getAuthorizerAccessToken, refreshAuthorizerToken } from "@/lib/credentials/authorizer-token";
import { usableTicket } from "@/lib/credentials/component-ticket";
import { getComponentAccessToken } from "@/lib/credentials/component-token";
import { getJsapiTicket } from "@/lib/credentials/jsapi-ticket";
import { countUnderOlderKeys, reencryptAll, SEALED_COLUMNS, sealedColumnLabel } from "@/lib/credentials/reencrypt";
import { openColumn } from "@/lib/credentials/vault";
import { installDatabase } from "@/lib/db";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { parseComponentPush } from "@/lib/wechat/component-push";
import { createEndpoint, rotateSecret } from "@/lib/webhooks/endpoints";
import { openSecret } from "@/lib/webhooks/send";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { resetPortalCaches, sandboxCalls, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import { pickAccounts, seedAuthorizer, seedVerifyTicket } from "../token-centre/seed";

const KEY_A = `a:${Buffer.alloc(32, 1).toString("base64")}`;
const KEY_B = `b:${Buffer.alloc(32, 2).toString("base64")}`;
const NOWHERE = "http://127.0.0.1:9/events";

/** What TOKEN_ENCRYPTION_KEY says from now on, as a restarted portal would read it. */
function configureKeys(value: string): void {
  process.env.TOKEN_ENCRYPTION_KEY = value;
  resetPortalCaches();
}

const pushXml = (n: number) =>
  `<xml><AppId><![CDATA[${DEMO_COMPONENT.appid}]]></AppId><CreateTime>${1_700_000_000 + n}</CreateTime><InfoType><![CDATA[future_event]]></InfoType><Detail><![CDATA[secret ${n}]]></Detail></xml>`;

describe(`retiring an encryption key (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let appids: string[];
  const originalKeys = process.env.TOKEN_ENCRYPTION_KEY;

  const keyIds = () =>
    t.database.withSession((session) =>
      session.query<{ label: string; key_id: string }>(
        SEALED_COLUMNS.map(
          (column) =>
            `SELECT '${sealedColumnLabel(column)}' AS label, "${column.value}_key_id" AS key_id FROM "${column.table}" WHERE "${column.value}_enc" IS NOT NULL`,
        ).join(" UNION ALL "),
      ),
    );

  beforeAll(async () => {
    configureKeys(KEY_A);
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ eventUrl: NOWHERE, pushRetries: 0 });
    appids = (await pickAccounts(sandbox, "official_account")).slice(0, 3).map((account) => account.appid);
  });
  beforeEach(() => installDatabase(t.database));
  afterAll(async () => {
    await sandbox.close();
    await t.drop();
    if (originalKeys === undefined) delete process.env.TOKEN_ENCRYPTION_KEY;
    else process.env.TOKEN_ENCRYPTION_KEY = originalKeys;
    resetPortalCaches();
  });

  it("lists every sealed column of the schema", async () => {
    const rows = await t.database.withSession((session) =>
      session.query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name LIKE '%\\_enc'`,
      ),
    );
    const inSchema = rows.map((row) => `${row.table_name}.${row.column_name.replace(/_enc$/, "")}`).sort();
    expect(SEALED_COLUMNS.map(sealedColumnLabel).sort()).toEqual(inSchema);
    const keyColumns = await t.database.withSession((session) =>
      session.query<{ label: string }>(
        `SELECT table_name || '.' || regexp_replace(column_name, '_key_id$', '') AS label FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name LIKE '%\\_key\\_id'`,
      ),
    );
    expect(keyColumns.map((row) => row.label).sort()).toEqual(expect.arrayContaining(inSchema));
  });

  it("re-encrypts every value sealed under A so that B alone opens each one, and does nothing the second time", async () => {
    // Sealed under A by their owners: ticket, component token, authorizer tokens, jsapi_ticket, pushes.
    const ticket = await seedVerifyTicket(sandbox);
    const componentToken = (await getComponentAccessToken()).token;
    const accessTokens = new Map<string, string>();
    for (const appid of appids) accessTokens.set(appid, (await seedAuthorizer(sandbox, { appid })).accessToken);
    const jsapiTicket = (await getJsapiTicket(appids[0]!)).ticket;
    const refreshTokens = new Map<string, string>();
    for (const appid of appids) {
      const row = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: appid } });
      refreshTokens.set(
        appid,
        openColumn({ ciphertext: row.refreshTokenEnc, keyId: row.refreshTokenKeyId, context: refreshContext(appid) })!,
      );
    }
    const pushIds: string[] = [];
    for (let n = 0; n < 5; n += 1)
      pushIds.push((await storeComponentPush({ push: parseComponentPush(pushXml(n)), xml: pushXml(n) })).pushId);
    // A webhook endpoint whose secret was rotated: the new secret and the old one (still signing).
    const endpoint = await createEndpoint({ url: "https://hooks.example.com/wechat", events: ["authorizer.authorized"] });
    const { secret: rotated } = await rotateSecret(endpoint.id);
    const secretsOf = async () => {
      const row = await t.database.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
      return [
        openSecret({ ciphertext: row.secretEnc, keyId: row.secretKeyId }),
        openSecret({ ciphertext: row.previousSecretEnc, keyId: row.previousSecretKeyId }),
      ];
    };
    const sealed = (await keyIds()).length;
    expect(new Set((await keyIds()).map((row) => row.key_id))).toEqual(new Set(["a"]));
    expect(new Set((await keyIds()).map((row) => row.label))).toEqual(new Set(SEALED_COLUMNS.map(sealedColumnLabel)));

    configureKeys(`${KEY_B},${KEY_A}`);
    expect(await countUnderOlderKeys()).toEqual({ a: sealed });
    const first = await reencryptAll({ batchSize: 2 });
    expect(first.keyId).toBe("b");
    expect(first.remaining).toEqual({});
    expect(first.columns.reduce((sum, column) => sum + column.reencrypted, 0)).toBe(sealed);
    for (const column of first.columns) expect(column, sealedColumnLabel(column)).toMatchObject({ changedMeanwhile: 0, unreadable: [] });
    expect(first.columns.find((column) => column.table === "received_pushes")).toMatchObject({ examined: 5, reencrypted: 5 });
    expect(new Set((await keyIds()).map((row) => row.key_id))).toEqual(new Set(["b"]));

    const second = await reencryptAll({ batchSize: 2 });
    expect(second.columns.map((column) => column.examined)).toEqual(SEALED_COLUMNS.map(() => 0));
    expect(second.remaining).toEqual({});

    // A removed from the configuration: every value still opens, through its own owner.
    configureKeys(KEY_B);
    const calls = (await sandboxCalls(sandbox)).length;
    const component = await t.database.prisma.component.findUniqueOrThrow({ where: { appid: DEMO_COMPONENT.appid } });
    expect(usableTicket(DEMO_COMPONENT.appid, component)).toBe(ticket);
    expect((await getComponentAccessToken()).token).toBe(componentToken);
    for (const appid of appids) {
      expect((await getAuthorizerAccessToken(appid)).token).toBe(accessTokens.get(appid));
      const row = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: appid } });
      expect(openColumn({ ciphertext: row.refreshTokenEnc, keyId: row.refreshTokenKeyId, context: refreshContext(appid) })).toBe(
        refreshTokens.get(appid),
      );
    }
    expect((await getJsapiTicket(appids[0]!)).ticket).toBe(jsapiTicket);
    expect(await secretsOf()).toEqual([rotated, endpoint.secret]);
    // Served from what is stored: nothing had to be fetched from WeChat again.
    expect((await sandboxCalls(sandbox)).length).toBe(calls);
    for (const id of pushIds) expect(await processStoredPush(id)).toBe("processed");
    // The refresh token really works under B: WeChat accepts it for a new access token.
    const refreshed = await refreshAuthorizerToken(appids[1]!, { force: true });
    expect(refreshed.token).not.toBe(accessTokens.get(appids[1]!));
  });

  it("never overwrites a token a refresh wrote between reading and writing the row", async () => {
    const appid = appids[2]!;
    // A first again (B kept, since everything else is under B now): the new token is sealed under A.
    configureKeys(`${KEY_A},${KEY_B}`);
    await dropCachedAuthorizerTokens(appid);
    const underA = (await getAuthorizerAccessToken(appid)).token;
    expect((await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: appid } })).accessTokenKeyId).toBe(
      "a",
    );

    configureKeys(`${KEY_B},${KEY_A}`);
    let refreshedMeanwhile: string | undefined;
    const result = await reencryptAll({
      beforeWrite: async ({ table, value, primaryKeys }) => {
        if (table !== "authorizer_credentials" || value !== "access_token" || !primaryKeys.includes(appid) || refreshedMeanwhile) return;
        refreshedMeanwhile = (await refreshAuthorizerToken(appid, { force: true })).token;
      },
    });
    expect(refreshedMeanwhile).toBeDefined();
    expect(refreshedMeanwhile).not.toBe(underA);
    expect(result.columns.find((column) => sealedColumnLabel(column) === "authorizer_credentials.access_token")).toMatchObject({
      changedMeanwhile: 1,
    });
    expect(result.remaining).toEqual({});

    configureKeys(KEY_B);
    expect((await getAuthorizerAccessToken(appid)).token).toBe(refreshedMeanwhile);
  });

  it("reports values no configured key opens, leaves them as they are, and counts them as still under their key", async () => {
    configureKeys(KEY_B);
    const { pushId } = await storeComponentPush({ push: parseComponentPush(pushXml(99)), xml: pushXml(99) });
    await t.database.prisma.receivedPush.update({ where: { id: pushId }, data: { payloadKeyId: "gone" } });
    const before = await t.database.prisma.receivedPush.findUniqueOrThrow({ where: { id: pushId } });

    const result = await reencryptAll();
    expect(result.columns.find((column) => column.table === "received_pushes")).toMatchObject({ reencrypted: 0, unreadable: [pushId] });
    expect(result.remaining).toEqual({ gone: 1 });
    const after = await t.database.prisma.receivedPush.findUniqueOrThrow({ where: { id: pushId } });
    expect(after.payloadEnc).toBe(before.payloadEnc);
  });
});
