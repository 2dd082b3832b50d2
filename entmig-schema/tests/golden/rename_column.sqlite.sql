ALTER TABLE "user" RENAME COLUMN "email" TO "mail";
