-- One window per key from now on: keep each key's newest window (its count still applies) and drop the older ones.
DELETE FROM "rate_limits" AS "older" USING "rate_limits" AS "newer" WHERE "older"."key" = "newer"."key" AND "older"."window_start" < "newer"."window_start";--> statement-breakpoint
ALTER TABLE "rate_limits" DROP CONSTRAINT "rate_limits_key_window_start_pk";--> statement-breakpoint
ALTER TABLE "rate_limits" ADD PRIMARY KEY ("key");
