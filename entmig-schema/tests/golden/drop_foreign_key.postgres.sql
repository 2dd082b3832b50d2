ALTER TABLE "user" DROP CONSTRAINT "fk_user_group_id";
