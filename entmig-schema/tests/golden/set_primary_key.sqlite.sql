CREATE TABLE "__entmig_new_group" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "name" VARCHAR(80) NOT NULL
);
INSERT INTO "__entmig_new_group" ("id", "name") SELECT "id", "name" FROM "group";
DELETE FROM sqlite_sequence WHERE name = '__entmig_new_group';
INSERT INTO sqlite_sequence (name, seq) SELECT '__entmig_new_group', seq FROM sqlite_sequence WHERE name = 'group';
DROP TABLE "group";
PRAGMA legacy_alter_table = ON;
ALTER TABLE "__entmig_new_group" RENAME TO "group";
PRAGMA legacy_alter_table = OFF;
