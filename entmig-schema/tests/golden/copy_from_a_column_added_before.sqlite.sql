CREATE TABLE "__entmig_new_user" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "email" VARCHAR(255) NOT NULL,
  "group_id" BIGINT,
  "score" DOUBLE NOT NULL DEFAULT 0.5,
  "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "fallback_group" BIGINT NOT NULL,
  CONSTRAINT "fk_user_group_id" FOREIGN KEY ("group_id") REFERENCES "group" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "__entmig_new_user" ("id", "email", "group_id", "score", "created_at", "fallback_group") SELECT "id", "email", "group_id", "score", "created_at", 1 FROM "user";
DELETE FROM sqlite_sequence WHERE name = '__entmig_new_user';
INSERT INTO sqlite_sequence (name, seq) SELECT '__entmig_new_user', seq FROM sqlite_sequence WHERE name = 'user';
DROP TABLE "user";
PRAGMA legacy_alter_table = ON;
ALTER TABLE "__entmig_new_user" RENAME TO "user";
PRAGMA legacy_alter_table = OFF;
CREATE UNIQUE INDEX "uq_user_email" ON "user" ("email");
CREATE TABLE "__entmig_new_user" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "email" VARCHAR(255) NOT NULL,
  "group_id" BIGINT NOT NULL,
  "score" DOUBLE NOT NULL DEFAULT 0.5,
  "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "fallback_group" BIGINT NOT NULL,
  CONSTRAINT "fk_user_group_id" FOREIGN KEY ("group_id") REFERENCES "group" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "__entmig_new_user" ("id", "email", "group_id", "score", "created_at", "fallback_group") SELECT "id", "email", COALESCE("group_id", "fallback_group"), "score", "created_at", "fallback_group" FROM "user";
DELETE FROM sqlite_sequence WHERE name = '__entmig_new_user';
INSERT INTO sqlite_sequence (name, seq) SELECT '__entmig_new_user', seq FROM sqlite_sequence WHERE name = 'user';
DROP TABLE "user";
PRAGMA legacy_alter_table = ON;
ALTER TABLE "__entmig_new_user" RENAME TO "user";
PRAGMA legacy_alter_table = OFF;
CREATE UNIQUE INDEX "uq_user_email" ON "user" ("email");
