-- The token centre keeps API keys and tokens in each instance's memory (lib/token-centre/memory.ts)
-- and drops them when a row they came from changes. These triggers announce every such change on the
-- channel token_centre_changes, from the writer's own transaction: PostgreSQL delivers a NOTIFY on
-- commit only, and never one of a transaction rolled back. Triggers rather than calls in each writer:
-- a write by any path (a script, an operator's SQL, a future writer) is announced all the same. Only
-- the columns the token centre hands out are watched, so the frequent writes (tickets, last_used_at,
-- last errors, jsapi tickets) announce nothing.

CREATE FUNCTION "token_centre_announce"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  "row" RECORD := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  "notice" json;
BEGIN
  IF TG_TABLE_NAME = 'api_keys' THEN
    "notice" := json_build_object('kind', 'api_key', 'id', "row"."id");
  ELSIF TG_TABLE_NAME = 'components' THEN
    "notice" := json_build_object('kind', 'component', 'appid', "row"."appid", 'version', "row"."access_token_version");
  ELSIF TG_TABLE_NAME = 'authorizer_credentials' THEN
    "notice" := json_build_object('kind', 'authorizer', 'appid', "row"."authorizer_appid", 'version', "row"."version",
      'disabled', TG_OP = 'DELETE' OR "row"."disabled_at" IS NOT NULL);
  ELSE
    -- authorizers: the account's status (revoked, needs re-authorization) decides whether it gets tokens.
    "notice" := json_build_object('kind', 'authorizer', 'appid', "row"."appid", 'version', NULL,
      'disabled', TG_OP = 'DELETE' OR "row"."status" IN ('revoked', 'needs_reauthorization'));
  END IF;
  PERFORM pg_notify('token_centre_changes', "notice"::text);
  RETURN NULL;
END $$;

CREATE TRIGGER "api_keys_token_centre_update" AFTER UPDATE ON "api_keys" FOR EACH ROW
  WHEN ((OLD."key_hash", OLD."name", OLD."prefix", OLD."revoked_at", OLD."component_scope", OLD."all_authorizers",
         OLD."authorizer_appids", OLD."read_only", OLD."hub_scope")
    IS DISTINCT FROM (NEW."key_hash", NEW."name", NEW."prefix", NEW."revoked_at", NEW."component_scope", NEW."all_authorizers",
         NEW."authorizer_appids", NEW."read_only", NEW."hub_scope"))
  EXECUTE FUNCTION "token_centre_announce"();
CREATE TRIGGER "api_keys_token_centre_delete" AFTER DELETE ON "api_keys" FOR EACH ROW
  EXECUTE FUNCTION "token_centre_announce"();

CREATE TRIGGER "components_token_centre_update" AFTER UPDATE ON "components" FOR EACH ROW
  WHEN ((OLD."access_token_enc", OLD."access_token_expires_at", OLD."access_token_refresh_at", OLD."access_token_version")
    IS DISTINCT FROM (NEW."access_token_enc", NEW."access_token_expires_at", NEW."access_token_refresh_at", NEW."access_token_version"))
  EXECUTE FUNCTION "token_centre_announce"();

CREATE TRIGGER "authorizer_credentials_token_centre_update" AFTER UPDATE ON "authorizer_credentials" FOR EACH ROW
  WHEN ((OLD."access_token_enc", OLD."access_token_expires_at", OLD."access_token_refresh_at", OLD."version", OLD."disabled_at")
    IS DISTINCT FROM (NEW."access_token_enc", NEW."access_token_expires_at", NEW."access_token_refresh_at", NEW."version", NEW."disabled_at"))
  EXECUTE FUNCTION "token_centre_announce"();
CREATE TRIGGER "authorizer_credentials_token_centre_delete" AFTER DELETE ON "authorizer_credentials" FOR EACH ROW
  EXECUTE FUNCTION "token_centre_announce"();

CREATE TRIGGER "authorizers_token_centre_update" AFTER UPDATE ON "authorizers" FOR EACH ROW
  WHEN (OLD."status" IS DISTINCT FROM NEW."status")
  EXECUTE FUNCTION "token_centre_announce"();
CREATE TRIGGER "authorizers_token_centre_delete" AFTER DELETE ON "authorizers" FOR EACH ROW
  EXECUTE FUNCTION "token_centre_announce"();
