ALTER TABLE "user" ALTER COLUMN "score" DROP DEFAULT;
ALTER TABLE "user" ALTER COLUMN "score" TYPE numeric(10, 2) USING "score"::numeric(10, 2);
ALTER TABLE "user" ALTER COLUMN "score" DROP NOT NULL;
