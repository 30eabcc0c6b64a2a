ALTER TABLE "documents" ALTER COLUMN "message_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "documents" ALTER COLUMN "eml_sha256" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "documents" ALTER COLUMN "eml_size" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "documents" ADD COLUMN "origin" text DEFAULT 'email' NOT NULL;--> statement-breakpoint
-- An email's document always has its work item and its .eml; only an upload may lack them.
ALTER TABLE "documents" ADD CONSTRAINT "documents_origin_check" CHECK ("origin" = 'upload' OR ("message_id" IS NOT NULL AND "eml_sha256" IS NOT NULL AND "eml_size" IS NOT NULL));
