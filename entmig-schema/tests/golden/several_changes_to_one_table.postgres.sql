ALTER TABLE "user" ADD COLUMN "handle" varchar(40);
UPDATE "user" SET "handle" = "email";
ALTER TABLE "user" ALTER COLUMN "handle" SET NOT NULL;
ALTER TABLE "user" ADD COLUMN "bio" text;
UPDATE "user" SET "group_id" = 1 WHERE "group_id" IS NULL;
ALTER TABLE "user" ALTER COLUMN "group_id" SET NOT NULL;
ALTER TABLE "user" DROP COLUMN "score";
CREATE INDEX "idx_user_handle" ON "user" ("handle");
