CREATE TABLE "__entmig_new_group" (
  "id" BIGINT NOT NULL,
  "name" VARCHAR(80) NOT NULL,
  PRIMARY KEY ("id")
);
INSERT INTO "__entmig_new_group" ("id", "name") SELECT "id", "name" FROM "group";
DROP TABLE "group";
PRAGMA legacy_alter_table = ON;
ALTER TABLE "__entmig_new_group" RENAME TO "group";
PRAGMA legacy_alter_table = OFF;
