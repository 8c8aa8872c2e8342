CREATE TYPE "public"."cluster_kind" AS ENUM('local', 'kubernetes');--> statement-breakpoint
CREATE TYPE "public"."cluster_status" AS ENUM('ready', 'degraded', 'unreachable');--> statement-breakpoint
CREATE TYPE "public"."evaluation_status" AS ENUM('running', 'passed', 'failed', 'error');--> statement-breakpoint
CREATE TYPE "public"."job_kind" AS ENUM('training', 'evaluation');--> statement-breakpoint
CREATE TYPE "public"."job_status" AS ENUM('queued', 'pending', 'running', 'succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "cluster_gpu_prices" (
	"org_id" text NOT NULL,
	"cluster_id" text NOT NULL,
	"gpu_type" text NOT NULL,
	"hour_micros" bigint NOT NULL,
	CONSTRAINT "cluster_gpu_prices_cluster_id_gpu_type_pk" PRIMARY KEY("cluster_id","gpu_type")
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"kind" "cluster_kind" NOT NULL,
	"namespace" text,
	"server" text,
	"encrypted_config" text,
	"gpu_type_label" text,
	"status" "cluster_status" DEFAULT 'ready' NOT NULL,
	"validation" jsonb,
	"capacity" jsonb,
	"checked_at" timestamp (3) with time zone,
	"cpu_core_hour_micros" bigint DEFAULT 0 NOT NULL,
	"memory_gib_hour_micros" bigint DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "evaluation_policies" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"model_id" text NOT NULL,
	"checks" jsonb NOT NULL,
	"job_template" jsonb NOT NULL,
	"created_by" text,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "evaluation_policies_model_id_unique" UNIQUE("model_id")
);
--> statement-breakpoint
CREATE TABLE "evaluations" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"model_version_id" text NOT NULL,
	"policy_id" text,
	"job_id" text,
	"status" "evaluation_status" DEFAULT 'running' NOT NULL,
	"checks" jsonb NOT NULL,
	"champion_version_id" text,
	"metrics" jsonb,
	"champion_metrics" jsonb,
	"results" jsonb,
	"message" text,
	"created_by" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "retraining_policies" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"model_id" text NOT NULL,
	"name" text NOT NULL,
	"job_template" jsonb NOT NULL,
	"cron" text NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"evaluate" boolean DEFAULT true NOT NULL,
	"auto_promote" boolean DEFAULT false NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"created_by" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "training_job_events" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"job_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"status" "job_status" NOT NULL,
	"reason" text,
	"message" text,
	"occurred_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"team_id" text NOT NULL,
	"project_id" text NOT NULL,
	"cluster_id" text NOT NULL,
	"kind" "job_kind" DEFAULT 'training' NOT NULL,
	"name" text NOT NULL,
	"spec" jsonb NOT NULL,
	"experiment_id" text NOT NULL,
	"run_id" text,
	"status" "job_status" DEFAULT 'queued' NOT NULL,
	"reason" text,
	"message" text,
	"attempt" integer DEFAULT 1 NOT NULL,
	"max_attempts" integer DEFAULT 1 NOT NULL,
	"backend_name" text,
	"gpu_count" integer DEFAULT 0 NOT NULL,
	"gpu_type" text,
	"register_model_name" text,
	"model_version_id" text,
	"retraining_policy_id" text,
	"run_api_key_id" text,
	"cancel_requested_at" timestamp (3) with time zone,
	"created_by" text,
	"created_by_api_key" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"runtime_seconds" real,
	"cpu_seconds" real,
	"peak_memory_mib" real,
	"cost_micros" bigint,
	"log_artifact_path" text
);
--> statement-breakpoint
ALTER TABLE "cluster_gpu_prices" ADD CONSTRAINT "cluster_gpu_prices_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_gpu_prices" ADD CONSTRAINT "cluster_gpu_prices_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clusters" ADD CONSTRAINT "clusters_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clusters" ADD CONSTRAINT "clusters_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_policies" ADD CONSTRAINT "evaluation_policies_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_policies" ADD CONSTRAINT "evaluation_policies_model_id_registered_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."registered_models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_policies" ADD CONSTRAINT "evaluation_policies_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_policy_id_evaluation_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."evaluation_policies"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_job_id_training_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."training_jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retraining_policies" ADD CONSTRAINT "retraining_policies_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retraining_policies" ADD CONSTRAINT "retraining_policies_model_id_registered_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."registered_models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retraining_policies" ADD CONSTRAINT "retraining_policies_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_job_events" ADD CONSTRAINT "training_job_events_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_job_events" ADD CONSTRAINT "training_job_events_job_id_training_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."training_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_run_api_key_id_api_keys_id_fk" FOREIGN KEY ("run_api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_created_by_api_key_api_keys_id_fk" FOREIGN KEY ("created_by_api_key") REFERENCES "public"."api_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cluster_gpu_prices_org_idx" ON "cluster_gpu_prices" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "clusters_org_name_uq" ON "clusters" USING btree ("org_id","name");--> statement-breakpoint
CREATE INDEX "clusters_org_idx" ON "clusters" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "evaluation_policies_org_idx" ON "evaluation_policies" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "evaluations_version_idx" ON "evaluations" USING btree ("org_id","model_version_id","created_at");--> statement-breakpoint
CREATE INDEX "retraining_policies_model_idx" ON "retraining_policies" USING btree ("org_id","model_id");--> statement-breakpoint
CREATE INDEX "training_job_events_job_idx" ON "training_job_events" USING btree ("org_id","job_id","occurred_at");--> statement-breakpoint
CREATE INDEX "training_jobs_org_created_idx" ON "training_jobs" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "training_jobs_project_idx" ON "training_jobs" USING btree ("org_id","project_id");--> statement-breakpoint
CREATE INDEX "training_jobs_retraining_idx" ON "training_jobs" USING btree ("retraining_policy_id");