ALTER TABLE "user" DROP COLUMN "score";
