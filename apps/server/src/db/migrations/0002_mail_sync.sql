CREATE TABLE "documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"inbox_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"subject" text NOT NULL,
	"from_address" text,
	"from_name" text,
	"to" jsonb NOT NULL,
	"cc" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"internet_message_id" text,
	"body_html" text,
	"body_text" text,
	"eml_sha256" text NOT NULL,
	"eml_size" bigint NOT NULL,
	"attachments" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inboxes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mail_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"folder_id" uuid NOT NULL,
	"graph_message_id" text NOT NULL,
	"received_at" timestamp with time zone,
	"subject" text,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"removed_at" timestamp with time zone,
	"marker_written" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "mailboxes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"connector_id" uuid NOT NULL,
	"graph_user_id" text NOT NULL,
	"address" text NOT NULL,
	"display_name" text NOT NULL,
	"kind" text DEFAULT 'unknown' NOT NULL,
	"access" text DEFAULT 'unknown' NOT NULL,
	"access_detail" text,
	"access_checked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "monitored_folders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"mailbox_id" uuid NOT NULL,
	"graph_folder_id" text NOT NULL,
	"display_name" text NOT NULL,
	"inbox_id" uuid NOT NULL,
	"process_from" timestamp with time zone NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"cursor" text,
	"cursor_kind" text,
	"last_sync_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_inbox_id_inboxes_id_fk" FOREIGN KEY ("inbox_id") REFERENCES "public"."inboxes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_message_id_mail_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."mail_messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inboxes" ADD CONSTRAINT "inboxes_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mail_messages" ADD CONSTRAINT "mail_messages_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mail_messages" ADD CONSTRAINT "mail_messages_folder_id_monitored_folders_id_fk" FOREIGN KEY ("folder_id") REFERENCES "public"."monitored_folders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD CONSTRAINT "mailboxes_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD CONSTRAINT "mailboxes_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitored_folders" ADD CONSTRAINT "monitored_folders_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitored_folders" ADD CONSTRAINT "monitored_folders_mailbox_id_mailboxes_id_fk" FOREIGN KEY ("mailbox_id") REFERENCES "public"."mailboxes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitored_folders" ADD CONSTRAINT "monitored_folders_inbox_id_inboxes_id_fk" FOREIGN KEY ("inbox_id") REFERENCES "public"."inboxes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "documents_message_key" ON "documents" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "documents_inbox_time_idx" ON "documents" USING btree ("inbox_id","received_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "inboxes_workspace_name_key" ON "inboxes" USING btree ("workspace_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "mail_messages_folder_message_key" ON "mail_messages" USING btree ("folder_id","graph_message_id");--> statement-breakpoint
CREATE INDEX "mail_messages_folder_state_idx" ON "mail_messages" USING btree ("folder_id","state");--> statement-breakpoint
CREATE UNIQUE INDEX "mailboxes_connector_user_key" ON "mailboxes" USING btree ("connector_id","graph_user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "monitored_folders_mailbox_folder_key" ON "monitored_folders" USING btree ("mailbox_id","graph_folder_id");--> statement-breakpoint
CREATE INDEX "monitored_folders_workspace_idx" ON "monitored_folders" USING btree ("workspace_id");--> statement-breakpoint
-- Every workspace gets its default inbox (new ones get it at creation).
INSERT INTO "inboxes" ("workspace_id", "name") SELECT "id", 'Inbox' FROM "workspaces";
