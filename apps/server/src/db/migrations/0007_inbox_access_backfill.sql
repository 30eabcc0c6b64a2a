-- Data for the columns 0006 added (decision 0006). Until now every member saw every inbox: the access
-- lists start out as exactly that, so nobody loses (or gains) anything by upgrading.
UPDATE "inboxes" i SET "is_default" = true
WHERE i."id" = (SELECT f."id" FROM "inboxes" f WHERE f."workspace_id" = i."workspace_id" ORDER BY f."created_at", f."id" LIMIT 1);
--> statement-breakpoint
INSERT INTO "inbox_access" ("inbox_id", "workspace_id", "user_id")
SELECT i."id", m."workspace_id", m."user_id" FROM "inboxes" i JOIN "memberships" m ON m."workspace_id" = i."workspace_id"
ON CONFLICT DO NOTHING;
--> statement-breakpoint
UPDATE "documents" d SET "mailbox_id" = f."mailbox_id"
FROM "mail_messages" mm JOIN "monitored_folders" f ON f."id" = mm."folder_id"
WHERE mm."id" = d."message_id" AND d."mailbox_id" IS NULL;
--> statement-breakpoint
-- Same words as core/search-text.ts: subject, sender, attachment names, split on punctuation too.
UPDATE "documents" d SET "search_text" = concat_ws(' ',
  d."subject", d."from_name", d."from_address", regexp_replace(coalesce(d."from_address", ''), '[@._+-]', ' ', 'g'),
  (SELECT string_agg(a->>'name' || ' ' || regexp_replace(a->>'name', '[._-]', ' ', 'g'), ' ') FROM jsonb_array_elements(d."attachments") a))
WHERE d."search_text" = '';
