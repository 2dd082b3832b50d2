CREATE INDEX "idx_user_group_id_created_at" ON "user" ("group_id", "created_at");
