-- The registry's MLflow-shaped times (epoch milliseconds in bigint) become timestamptz, as every other
-- time is; the code still reads and writes them as milliseconds (db/schema/columns.ts timestamptzMs).
ALTER TABLE "logged_models" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone USING to_timestamp("created_at" / 1000.0);--> statement-breakpoint
ALTER TABLE "logged_models" ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone USING to_timestamp("updated_at" / 1000.0);--> statement-breakpoint
ALTER TABLE "model_versions" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone USING to_timestamp("created_at" / 1000.0);--> statement-breakpoint
ALTER TABLE "model_versions" ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone USING to_timestamp("updated_at" / 1000.0);--> statement-breakpoint
ALTER TABLE "registered_models" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone USING to_timestamp("created_at" / 1000.0);--> statement-breakpoint
ALTER TABLE "registered_models" ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone USING to_timestamp("updated_at" / 1000.0);