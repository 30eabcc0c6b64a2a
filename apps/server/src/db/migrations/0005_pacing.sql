CREATE TABLE "graph_slots" (
	"mailbox" text NOT NULL,
	"slot" integer NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "graph_slots_mailbox_slot_pk" PRIMARY KEY("mailbox","slot")
);
--> statement-breakpoint
ALTER TABLE "mail_messages" ADD COLUMN "has_attachments" boolean;