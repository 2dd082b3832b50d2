UPDATE "user" SET "group_id" = 1 WHERE "group_id" IS NULL;
ALTER TABLE "user" ALTER COLUMN "group_id" SET NOT NULL;
