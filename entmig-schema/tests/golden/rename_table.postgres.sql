ALTER TABLE "group" RENAME TO "team";
ALTER TABLE "team" RENAME CONSTRAINT "group_pkey" TO "team_pkey";
