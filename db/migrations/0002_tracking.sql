CREATE TYPE "public"."lifecycle_stage" AS ENUM('active', 'deleted');--> statement-breakpoint
CREATE TYPE "public"."run_status" AS ENUM('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED');--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"experiment_id" text NOT NULL,
	"name" text NOT NULL,
	"digest" text NOT NULL,
	"source_type" text NOT NULL,
	"source" text NOT NULL,
	"schema" text,
	"profile" text
);
--> statement-breakpoint
CREATE TABLE "experiment_tags" (
	"org_id" text NOT NULL,
	"experiment_id" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "experiment_tags_experiment_id_key_pk" PRIMARY KEY("experiment_id","key")
);
--> statement-breakpoint
CREATE TABLE "experiments" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"project_id" text NOT NULL,
	"name" text NOT NULL,
	"lifecycle_stage" "lifecycle_stage" DEFAULT 'active' NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_by" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_inputs" (
	"org_id" text NOT NULL,
	"run_id" text NOT NULL,
	"dataset_id" text NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "run_inputs_run_id_dataset_id_pk" PRIMARY KEY("run_id","dataset_id")
);
--> statement-breakpoint
CREATE TABLE "run_latest_metrics" (
	"org_id" text NOT NULL,
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"step" bigint NOT NULL,
	"timestamp" bigint NOT NULL,
	"value" double precision NOT NULL,
	CONSTRAINT "run_latest_metrics_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "run_metrics" (
	"org_id" text NOT NULL,
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"step" bigint NOT NULL,
	"timestamp" bigint NOT NULL,
	"value" double precision NOT NULL,
	CONSTRAINT "run_metrics_run_id_key_step_timestamp_value_pk" PRIMARY KEY("run_id","key","step","timestamp","value")
);
--> statement-breakpoint
CREATE TABLE "run_params" (
	"org_id" text NOT NULL,
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "run_params_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "run_tags" (
	"org_id" text NOT NULL,
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "run_tags_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"experiment_id" text NOT NULL,
	"name" text NOT NULL,
	"status" "run_status" DEFAULT 'RUNNING' NOT NULL,
	"start_time" bigint NOT NULL,
	"end_time" bigint,
	"lifecycle_stage" "lifecycle_stage" DEFAULT 'active' NOT NULL,
	"created_by" text,
	"created_by_api_key" text,
	"client_user" text DEFAULT '' NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiment_tags" ADD CONSTRAINT "experiment_tags_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiment_tags" ADD CONSTRAINT "experiment_tags_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_inputs" ADD CONSTRAINT "run_inputs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_inputs" ADD CONSTRAINT "run_inputs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_inputs" ADD CONSTRAINT "run_inputs_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_latest_metrics" ADD CONSTRAINT "run_latest_metrics_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_latest_metrics" ADD CONSTRAINT "run_latest_metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_metrics" ADD CONSTRAINT "run_metrics_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_metrics" ADD CONSTRAINT "run_metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_params" ADD CONSTRAINT "run_params_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_params" ADD CONSTRAINT "run_params_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_tags" ADD CONSTRAINT "run_tags_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_tags" ADD CONSTRAINT "run_tags_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_created_by_api_key_api_keys_id_fk" FOREIGN KEY ("created_by_api_key") REFERENCES "public"."api_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_experiment_name_digest_uq" ON "datasets" USING btree ("experiment_id","name","digest");--> statement-breakpoint
CREATE INDEX "datasets_org_idx" ON "datasets" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "experiment_tags_org_idx" ON "experiment_tags" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "experiments_org_name_uq" ON "experiments" USING btree ("org_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "experiments_org_default_uq" ON "experiments" USING btree ("org_id") WHERE is_default;--> statement-breakpoint
CREATE INDEX "experiments_project_idx" ON "experiments" USING btree ("org_id","project_id","id");--> statement-breakpoint
CREATE INDEX "run_inputs_org_idx" ON "run_inputs" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "run_latest_metrics_key_value_idx" ON "run_latest_metrics" USING btree ("org_id","key","value");--> statement-breakpoint
CREATE INDEX "run_params_org_key_idx" ON "run_params" USING btree ("org_id","key");--> statement-breakpoint
CREATE INDEX "run_tags_org_key_idx" ON "run_tags" USING btree ("org_id","key");--> statement-breakpoint
CREATE INDEX "runs_experiment_idx" ON "runs" USING btree ("org_id","experiment_id","start_time");