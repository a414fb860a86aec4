-- CreateEnum
CREATE TYPE "TokenIssuanceKind" AS ENUM ('component_token', 'authorizer_token', 'jssdk_signature', 'authorizer_token_refresh');

-- AlterTable
-- Keys made before scopes existed keep what they could do: everything (the defaults fill them in,
-- then go, so every new key must state its scope).
ALTER TABLE "api_keys" ADD COLUMN     "all_authorizers" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "authorizer_appids" VARCHAR(64)[] DEFAULT ARRAY[]::VARCHAR(64)[],
ADD COLUMN     "component_scope" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "read_only" BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE "api_keys" ALTER COLUMN "all_authorizers" DROP DEFAULT,
ALTER COLUMN "component_scope" DROP DEFAULT,
ALTER COLUMN "read_only" DROP DEFAULT;

-- CreateTable
CREATE TABLE "api_key_issuances" (
    "api_key_id" UUID NOT NULL,
    "kind" "TokenIssuanceKind" NOT NULL,
    "target" VARCHAR(64) NOT NULL,
    "count" BIGINT NOT NULL,
    "first_at" TIMESTAMPTZ(3) NOT NULL,
    "last_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "api_key_issuances_pkey" PRIMARY KEY ("api_key_id","kind","target")
);

-- CreateIndex
CREATE INDEX "api_key_issuances_target_last_at_idx" ON "api_key_issuances"("target", "last_at" DESC);

-- AddForeignKey
ALTER TABLE "api_key_issuances" ADD CONSTRAINT "api_key_issuances_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;
