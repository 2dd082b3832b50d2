ALTER TABLE "group" DROP CONSTRAINT "group_pkey";
ALTER TABLE "group" ADD CONSTRAINT "group_pkey" PRIMARY KEY ("id", "name");
