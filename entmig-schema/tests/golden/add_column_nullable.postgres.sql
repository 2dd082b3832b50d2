ALTER TABLE "user" ADD COLUMN "bio" text;
