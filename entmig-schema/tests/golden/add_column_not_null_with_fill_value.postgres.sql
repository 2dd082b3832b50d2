ALTER TABLE "user" ADD COLUMN "handle" varchar(40) NOT NULL DEFAULT 'anonymous';
ALTER TABLE "user" ALTER COLUMN "handle" DROP DEFAULT;
