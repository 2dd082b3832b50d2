ALTER TABLE "user" ADD COLUMN "fallback_group" bigint NOT NULL DEFAULT 1;
ALTER TABLE "user" ALTER COLUMN "fallback_group" DROP DEFAULT;
UPDATE "user" SET "group_id" = "fallback_group" WHERE "group_id" IS NULL;
ALTER TABLE "user" ALTER COLUMN "group_id" SET NOT NULL;
