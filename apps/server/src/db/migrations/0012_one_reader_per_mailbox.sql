ALTER TABLE "mailboxes" ADD COLUMN "disabled_at" timestamp with time zone;--> statement-breakpoint
-- Hand-written (decision 0013): a mailbox that two connectors of one workspace read stays with the
-- connector that read it first; the later copies are disabled, their folders switched off, their
-- documents kept. Done before the unique index, which they would break.
UPDATE "mailboxes" m SET "disabled_at" = now()
  WHERE EXISTS (
    SELECT 1 FROM "mailboxes" o
     WHERE o."workspace_id" = m."workspace_id" AND o."graph_user_id" = m."graph_user_id"
       AND (o."created_at", o."id") < (m."created_at", m."id")
  );--> statement-breakpoint
UPDATE "monitored_folders" SET "active" = false
  WHERE "mailbox_id" IN (SELECT "id" FROM "mailboxes" WHERE "disabled_at" IS NOT NULL);--> statement-breakpoint
CREATE UNIQUE INDEX "mailboxes_workspace_user_key" ON "mailboxes" USING btree ("workspace_id","graph_user_id") WHERE "mailboxes"."disabled_at" is null;
