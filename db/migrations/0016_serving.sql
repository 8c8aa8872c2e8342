CREATE TYPE "public"."prediction_protocol" AS ENUM('oip', 'mlflow');--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"project_id" text NOT NULL,
	"model_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"cluster_id" text NOT NULL,
	"replicas" integer DEFAULT 1 NOT NULL,
	"cpu" real DEFAULT 1 NOT NULL,
	"memory_mib" integer DEFAULT 1024 NOT NULL,
	"gpu_count" integer DEFAULT 0 NOT NULL,
	"gpu_type" text,
	"traffic" jsonb NOT NULL,
	"traffic_generation" integer DEFAULT 1 NOT NULL,
	"follow_alias" text,
	"auto_rollout" boolean DEFAULT false NOT NULL,
	"rate_limit_per_second" integer,
	"sample_rate" real DEFAULT 0.1 NOT NULL,
	"created_by" text,
	"created_by_api_key" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "predictions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "predictions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"org_id" text NOT NULL,
	"deployment_id" text NOT NULL,
	"model_version_id" text,
	"version" integer NOT NULL,
	"arm" text NOT NULL,
	"request_id" text NOT NULL,
	"protocol" "prediction_protocol" NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"latency_ms" real NOT NULL,
	"status" smallint NOT NULL,
	"error" text,
	"inputs" jsonb,
	"outputs" jsonb
);
--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_model_id_registered_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."registered_models"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_created_by_api_key_api_keys_id_fk" FOREIGN KEY ("created_by_api_key") REFERENCES "public"."api_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "deployments_org_name_uq" ON "deployments" USING btree ("org_id","name");--> statement-breakpoint
CREATE INDEX "deployments_project_idx" ON "deployments" USING btree ("org_id","project_id");--> statement-breakpoint
CREATE INDEX "deployments_model_idx" ON "deployments" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "predictions_deployment_at_idx" ON "predictions" USING btree ("org_id","deployment_id","at");--> statement-breakpoint
CREATE INDEX "predictions_request_idx" ON "predictions" USING btree ("deployment_id","request_id");