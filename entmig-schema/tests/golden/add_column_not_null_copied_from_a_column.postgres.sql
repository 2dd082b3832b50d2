ALTER TABLE "user" ADD COLUMN "login" varchar(255);
UPDATE "user" SET "login" = "email";
ALTER TABLE "user" ALTER COLUMN "login" SET NOT NULL;
