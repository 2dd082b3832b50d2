DROP INDEX "uq_user_email";
