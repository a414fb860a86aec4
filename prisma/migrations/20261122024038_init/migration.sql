-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('admin', 'operator', 'viewer');

-- CreateEnum
CREATE TYPE "AccountType" AS ENUM ('official_account', 'mini_program', 'channels', 'promoter', 'unknown');

-- CreateEnum
CREATE TYPE "AuthorizerStatus" AS ENUM ('authorized', 'updated', 'revoked', 'needs_reauthorization');

-- CreateEnum
CREATE TYPE "AttemptStatus" AS ENUM ('pending', 'completed', 'failed', 'expired', 'cancelled');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('staff', 'api_key', 'system', 'wechat');

-- CreateTable
CREATE TABLE "components" (
    "appid" VARCHAR(64) NOT NULL,
    "verify_ticket_enc" TEXT,
    "verify_ticket_key_id" VARCHAR(32),
    "verify_ticket_create_time" TIMESTAMPTZ(3),
    "verify_ticket_received_at" TIMESTAMPTZ(3),
    "access_token_enc" TEXT,
    "access_token_key_id" VARCHAR(32),
    "access_token_expires_at" TIMESTAMPTZ(3),
    "access_token_refresh_at" TIMESTAMPTZ(3),
    "access_token_version" INTEGER NOT NULL DEFAULT 0,
    "ticket_push_requested_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "components_pkey" PRIMARY KEY ("appid")
);

-- CreateTable
CREATE TABLE "authorizers" (
    "appid" VARCHAR(64) NOT NULL,
    "component_appid" VARCHAR(64) NOT NULL,
    "account_type" "AccountType" NOT NULL DEFAULT 'unknown',
    "nick_name" TEXT,
    "head_img" TEXT,
    "principal_name" TEXT,
    "user_name" VARCHAR(64),
    "alias" TEXT,
    "qrcode_url" TEXT,
    "signature" TEXT,
    "service_type" INTEGER,
    "verify_type" INTEGER,
    "business_info" JSONB,
    "mini_program_info" JSONB,
    "status" "AuthorizerStatus" NOT NULL DEFAULT 'authorized',
    "status_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "authorized_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_authorization_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "info_synced_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "authorizers_pkey" PRIMARY KEY ("appid")
);

-- CreateTable
CREATE TABLE "authorizer_permission_sets" (
    "authorizer_appid" VARCHAR(64) NOT NULL,
    "funcscope_id" INTEGER NOT NULL,
    "confirm_info" JSONB,
    "granted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "authorizer_permission_sets_pkey" PRIMARY KEY ("authorizer_appid","funcscope_id")
);

-- CreateTable
CREATE TABLE "authorizer_credentials" (
    "authorizer_appid" VARCHAR(64) NOT NULL,
    "access_token_enc" TEXT,
    "access_token_key_id" VARCHAR(32),
    "access_token_expires_at" TIMESTAMPTZ(3),
    "access_token_refresh_at" TIMESTAMPTZ(3),
    "refresh_token_enc" TEXT,
    "refresh_token_key_id" VARCHAR(32),
    "jsapi_ticket_enc" TEXT,
    "jsapi_ticket_key_id" VARCHAR(32),
    "jsapi_ticket_expires_at" TIMESTAMPTZ(3),
    "jsapi_ticket_refresh_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "disabled_at" TIMESTAMPTZ(3),
    "last_refreshed_at" TIMESTAMPTZ(3),
    "last_error_code" INTEGER,
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "authorizer_credentials_pkey" PRIMARY KEY ("authorizer_appid")
);

-- CreateTable
CREATE TABLE "authorization_attempts" (
    "id" VARCHAR(64) NOT NULL,
    "component_appid" VARCHAR(64) NOT NULL,
    "pre_auth_code" TEXT NOT NULL,
    "auth_type" INTEGER NOT NULL,
    "biz_appid" VARCHAR(64),
    "permission_set_ids" INTEGER[],
    "state" VARCHAR(128) NOT NULL,
    "status" "AttemptStatus" NOT NULL DEFAULT 'pending',
    "result" JSONB,
    "authorizer_appid" VARCHAR(64),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),
    "created_by_id" VARCHAR(64),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "authorization_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "authorization_code_uses" (
    "code_hash" VARCHAR(64) NOT NULL,
    "authorizer_appid" VARCHAR(64) NOT NULL,
    "attempt_id" VARCHAR(64),
    "source" VARCHAR(16) NOT NULL,
    "callback_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "authorization_code_uses_pkey" PRIMARY KEY ("code_hash")
);

-- CreateTable
CREATE TABLE "received_pushes" (
    "id" UUID NOT NULL,
    "dedupe_key" VARCHAR(200) NOT NULL,
    "component_appid" VARCHAR(64) NOT NULL,
    "info_type" VARCHAR(64) NOT NULL,
    "authorizer_appid" VARCHAR(64),
    "create_time" TIMESTAMPTZ(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "payload_enc" TEXT NOT NULL,
    "payload_key_id" VARCHAR(32) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),
    "lease_until" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "received_pushes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_users" (
    "id" UUID NOT NULL,
    "email" VARCHAR(320) NOT NULL,
    "name" TEXT,
    "password_hash" TEXT NOT NULL,
    "role" "StaffRole" NOT NULL DEFAULT 'viewer',
    "disabled_at" TIMESTAMPTZ(3),
    "last_sign_in_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "staff_users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "key_hash" VARCHAR(64) NOT NULL,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_logs" (
    "id" BIGSERIAL NOT NULL,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" VARCHAR(64),
    "action" VARCHAR(100) NOT NULL,
    "target" VARCHAR(200),
    "details" JSONB,
    "ip" VARCHAR(64),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RateLimiterFlexible" (
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL,
    "expire" TIMESTAMP(3),

    CONSTRAINT "RateLimiterFlexible_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "authorizers_component_appid_status_authorized_at_idx" ON "authorizers"("component_appid", "status", "authorized_at" DESC);

-- CreateIndex
CREATE INDEX "authorizers_component_appid_account_type_authorized_at_idx" ON "authorizers"("component_appid", "account_type", "authorized_at" DESC);

-- CreateIndex
CREATE INDEX "authorizers_component_appid_authorized_at_idx" ON "authorizers"("component_appid", "authorized_at" DESC);

-- CreateIndex
CREATE INDEX "authorizers_nick_name_idx" ON "authorizers"("nick_name");

-- CreateIndex
CREATE INDEX "authorizers_principal_name_idx" ON "authorizers"("principal_name");

-- CreateIndex
CREATE INDEX "authorizer_permission_sets_funcscope_id_authorizer_appid_idx" ON "authorizer_permission_sets"("funcscope_id", "authorizer_appid");

-- CreateIndex
CREATE INDEX "authorizer_credentials_disabled_at_access_token_refresh_at_idx" ON "authorizer_credentials"("disabled_at", "access_token_refresh_at");

-- CreateIndex
CREATE INDEX "authorization_attempts_component_appid_created_at_idx" ON "authorization_attempts"("component_appid", "created_at" DESC);

-- CreateIndex
CREATE INDEX "authorization_attempts_status_expires_at_idx" ON "authorization_attempts"("status", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "authorization_attempts_pre_auth_code_key" ON "authorization_attempts"("pre_auth_code");

-- CreateIndex
CREATE INDEX "authorization_code_uses_authorizer_appid_idx" ON "authorization_code_uses"("authorizer_appid");

-- CreateIndex
CREATE UNIQUE INDEX "received_pushes_dedupe_key_key" ON "received_pushes"("dedupe_key");

-- CreateIndex
CREATE INDEX "received_pushes_info_type_received_at_idx" ON "received_pushes"("info_type", "received_at" DESC);

-- CreateIndex
CREATE INDEX "received_pushes_authorizer_appid_received_at_idx" ON "received_pushes"("authorizer_appid", "received_at" DESC);

-- CreateIndex
CREATE INDEX "received_pushes_processed_at_received_at_idx" ON "received_pushes"("processed_at", "received_at");

-- CreateIndex
CREATE UNIQUE INDEX "staff_users_email_key" ON "staff_users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "audit_logs_created_at_idx" ON "audit_logs"("created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_logs_target_created_at_idx" ON "audit_logs"("target", "created_at" DESC);

-- AddForeignKey
ALTER TABLE "authorizers" ADD CONSTRAINT "authorizers_component_appid_fkey" FOREIGN KEY ("component_appid") REFERENCES "components"("appid") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "authorizer_permission_sets" ADD CONSTRAINT "authorizer_permission_sets_authorizer_appid_fkey" FOREIGN KEY ("authorizer_appid") REFERENCES "authorizers"("appid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "authorizer_credentials" ADD CONSTRAINT "authorizer_credentials_authorizer_appid_fkey" FOREIGN KEY ("authorizer_appid") REFERENCES "authorizers"("appid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "authorization_attempts" ADD CONSTRAINT "authorization_attempts_component_appid_fkey" FOREIGN KEY ("component_appid") REFERENCES "components"("appid") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "authorization_attempts" ADD CONSTRAINT "authorization_attempts_authorizer_appid_fkey" FOREIGN KEY ("authorizer_appid") REFERENCES "authorizers"("appid") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "staff_users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
