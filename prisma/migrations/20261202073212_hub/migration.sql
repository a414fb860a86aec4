-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('pending', 'delivered', 'failed');

-- AlterTable
-- Keys made before the hub existed get none of it; every new key states its hub scope.
ALTER TABLE "api_keys" ADD COLUMN     "hub_scope" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "api_keys" ALTER COLUMN "hub_scope" DROP DEFAULT;

-- AlterTable
ALTER TABLE "authorization_attempts" ADD COLUMN     "merchant_ref" VARCHAR(128),
ADD COLUMN     "return_url" VARCHAR(2048);

-- AlterTable
ALTER TABLE "authorizers" ADD COLUMN     "merchant_ref" VARCHAR(128);

-- CreateTable
CREATE TABLE "authorizer_merchant_bindings" (
    "id" BIGSERIAL NOT NULL,
    "component_appid" VARCHAR(64) NOT NULL,
    "authorizer_appid" VARCHAR(64) NOT NULL,
    "merchant_ref" VARCHAR(128) NOT NULL,
    "attempt_id" VARCHAR(64),
    "source" VARCHAR(16) NOT NULL,
    "bound_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "unbound_at" TIMESTAMPTZ(3),

    CONSTRAINT "authorizer_merchant_bindings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL,
    "component_appid" VARCHAR(64) NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "description" VARCHAR(500),
    "events" TEXT[],
    "secret_enc" TEXT NOT NULL,
    "secret_key_id" VARCHAR(32) NOT NULL,
    "previous_secret_enc" TEXT,
    "previous_secret_key_id" VARCHAR(32),
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "failing_since" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "disabled_at" TIMESTAMPTZ(3),
    "disabled_reason" VARCHAR(500),
    "created_by_staff_id" VARCHAR(64),
    "created_by_api_key_id" VARCHAR(64),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_routes" (
    "id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "component_appid" VARCHAR(64) NOT NULL,
    "authorizer_appid" VARCHAR(64),
    "merchant_ref" VARCHAR(128),
    "msg_type" VARCHAR(32),
    "event" VARCHAR(64),
    "reply" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_routes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_events" (
    "id" VARCHAR(64) NOT NULL,
    "component_appid" VARCHAR(64) NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "authorizer_appid" VARCHAR(64),
    "merchant_ref" VARCHAR(128),
    "dedupe_key" VARCHAR(300),
    "payload" JSONB NOT NULL,
    "reply_xml" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "event_id" VARCHAR(64) NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "component_appid" VARCHAR(64) NOT NULL,
    "authorizer_appid" VARCHAR(64),
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "lease_until" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "last_latency_ms" INTEGER,
    "last_response" VARCHAR(1000),
    "last_error" VARCHAR(1000),
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "authorizer_merchant_bindings_component_appid_authorizer_app_idx" ON "authorizer_merchant_bindings"("component_appid", "authorizer_appid", "bound_at" DESC);

-- CreateIndex
CREATE INDEX "authorizer_merchant_bindings_component_appid_merchant_ref_b_idx" ON "authorizer_merchant_bindings"("component_appid", "merchant_ref", "bound_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_endpoints_component_appid_created_at_idx" ON "webhook_endpoints"("component_appid", "created_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_routes_endpoint_id_idx" ON "webhook_routes"("endpoint_id");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_events_dedupe_key_key" ON "webhook_events"("dedupe_key");

-- CreateIndex
CREATE INDEX "webhook_events_component_appid_created_at_idx" ON "webhook_events"("component_appid", "created_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_events_authorizer_appid_created_at_idx" ON "webhook_events"("authorizer_appid", "created_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_deliveries_endpoint_id_created_at_idx" ON "webhook_deliveries"("endpoint_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_deliveries_authorizer_appid_created_at_idx" ON "webhook_deliveries"("authorizer_appid", "created_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_event_id_endpoint_id_key" ON "webhook_deliveries"("event_id", "endpoint_id");

-- CreateIndex
CREATE INDEX "authorization_attempts_component_appid_merchant_ref_created_idx" ON "authorization_attempts"("component_appid", "merchant_ref", "created_at" DESC);

-- CreateIndex
CREATE INDEX "authorizers_component_appid_merchant_ref_authorized_at_idx" ON "authorizers"("component_appid", "merchant_ref", "authorized_at" DESC);

-- AddForeignKey
ALTER TABLE "webhook_routes" ADD CONSTRAINT "webhook_routes_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "webhook_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;
