ALTER TABLE "group" RENAME TO "team";
