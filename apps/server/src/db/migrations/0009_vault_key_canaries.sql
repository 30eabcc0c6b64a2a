CREATE TABLE "vault_key_canaries" (
	"key_id" text PRIMARY KEY NOT NULL,
	"canary" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
