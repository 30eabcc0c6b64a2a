ALTER TABLE "monitored_folders" ADD COLUMN "last_mail_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "monitored_folders" ADD COLUMN "next_poll_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "monitored_folders_hot_idx" ON "monitored_folders" USING btree ("last_mail_at") WHERE "monitored_folders"."active" and "monitored_folders"."last_mail_at" is not null;