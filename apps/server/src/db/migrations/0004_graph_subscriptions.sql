CREATE TABLE "graph_subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"folder_id" uuid NOT NULL,
	"graph_id" text,
	"client_state_hash" text,
	"status" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"renewed_at" timestamp with time zone,
	"last_notification_at" timestamp with time zone,
	"rejected" integer DEFAULT 0 NOT NULL,
	"last_rejected_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "graph_subscriptions" ADD CONSTRAINT "graph_subscriptions_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "graph_subscriptions" ADD CONSTRAINT "graph_subscriptions_folder_id_monitored_folders_id_fk" FOREIGN KEY ("folder_id") REFERENCES "public"."monitored_folders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "graph_subscriptions_folder_key" ON "graph_subscriptions" USING btree ("folder_id");--> statement-breakpoint
CREATE UNIQUE INDEX "graph_subscriptions_graph_id_key" ON "graph_subscriptions" USING btree ("graph_id");--> statement-breakpoint
CREATE INDEX "graph_subscriptions_expires_idx" ON "graph_subscriptions" USING btree ("expires_at");