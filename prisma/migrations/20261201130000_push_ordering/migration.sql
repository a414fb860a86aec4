-- AlterTable
ALTER TABLE "authorizers" ADD COLUMN     "lifecycle_event_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "components" ADD COLUMN     "reconcile_reason" VARCHAR(64),
ADD COLUMN     "reconcile_requested_at" TIMESTAMPTZ(3),
ADD COLUMN     "reconciled_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "received_pushes" ADD COLUMN     "superseded_at" TIMESTAMPTZ(3);
