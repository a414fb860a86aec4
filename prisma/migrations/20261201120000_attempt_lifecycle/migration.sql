-- AlterTable
ALTER TABLE "authorization_attempts" ADD COLUMN     "code_issued_at" TIMESTAMPTZ(3),
ADD COLUMN     "codes_issued" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "deadline_at" TIMESTAMPTZ(3),
ADD COLUMN     "renewing_until" TIMESTAMPTZ(3),
ALTER COLUMN "pre_auth_code" DROP NOT NULL;

-- Attempts made before: each holds the one code it was created or last renewed with (a pending row
-- was written only when a code was issued), and is offered for the same time as a new one would be:
-- an hour from the merchant pages, a week for a link made in the console.
UPDATE "authorization_attempts"
SET "code_issued_at" = "updated_at",
    "codes_issued" = 1,
    "deadline_at" = GREATEST("expires_at", "created_at" + CASE WHEN "created_by_id" IS NULL THEN INTERVAL '1 hour' ELSE INTERVAL '7 days' END);

ALTER TABLE "authorization_attempts" ALTER COLUMN "deadline_at" SET NOT NULL;

-- AlterTable
ALTER TABLE "authorization_code_uses" ADD COLUMN     "errcode" INTEGER,
ADD COLUMN     "lease_until" TIMESTAMPTZ(3),
ALTER COLUMN "authorizer_appid" DROP NOT NULL;

-- CreateTable
CREATE TABLE "authorization_attempt_codes" (
    "pre_auth_code" TEXT NOT NULL,
    "attempt_id" VARCHAR(64) NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "authorization_attempt_codes_pkey" PRIMARY KEY ("pre_auth_code")
);

-- The codes attempts hold now, so a push naming one still finds its attempt.
INSERT INTO "authorization_attempt_codes" ("pre_auth_code", "attempt_id", "issued_at", "expires_at")
SELECT "pre_auth_code", "id", "code_issued_at", "expires_at" FROM "authorization_attempts" WHERE "pre_auth_code" IS NOT NULL;

-- CreateIndex
CREATE INDEX "authorization_attempt_codes_attempt_id_idx" ON "authorization_attempt_codes"("attempt_id");

-- AddForeignKey
ALTER TABLE "authorization_attempt_codes" ADD CONSTRAINT "authorization_attempt_codes_attempt_id_fkey" FOREIGN KEY ("attempt_id") REFERENCES "authorization_attempts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
