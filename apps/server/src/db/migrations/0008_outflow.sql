CREATE TABLE "outflow_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"document_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"action_id" uuid NOT NULL,
	"source" text NOT NULL,
	"action" jsonb NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"draft_id" text,
	"attempted_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "inboxes" ADD COLUMN "outflow" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "monitored_folders" ADD COLUMN "outflow" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "outflow_runs" ADD CONSTRAINT "outflow_runs_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outflow_runs" ADD CONSTRAINT "outflow_runs_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "outflow_runs_event_action_key" ON "outflow_runs" USING btree ("event_id","action_id");--> statement-breakpoint
CREATE INDEX "outflow_runs_document_idx" ON "outflow_runs" USING btree ("document_id");--> statement-breakpoint
CREATE INDEX "outflow_runs_due_idx" ON "outflow_runs" USING btree ("state","next_attempt_at");