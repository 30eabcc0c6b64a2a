CREATE TABLE "connector_credentials" (
	"connector_id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"token_cache" text,
	"client_secret" text,
	"certificate" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oauth_states" (
	"state_hash" text PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"connector_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"user_id" uuid NOT NULL,
	"session_hash" text,
	"pkce_verifier" text,
	"nonce" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"workspace_id" uuid NOT NULL,
	"type" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "auth_mode" text;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "tenant_id" text;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "tenant_name" text;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "account_upn" text;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "account_oid" text;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "msal_home_account_id" text;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "connected_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "app_client_id" text;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "credential_kind" text;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "secret_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "secret_warned_days" integer;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "problem_cause" text;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "problem_detail" text;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "problem_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "transient_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "transient_detail" text;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "last_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "last_success_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "next_check_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "last_refresh_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "setup" jsonb;--> statement-breakpoint
ALTER TABLE "connector_credentials" ADD CONSTRAINT "connector_credentials_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_credentials" ADD CONSTRAINT "connector_credentials_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_workspace_seq_idx" ON "events" USING btree ("workspace_id","seq");--> statement-breakpoint
CREATE INDEX "connectors_next_check_idx" ON "connectors" USING btree ("next_check_at");