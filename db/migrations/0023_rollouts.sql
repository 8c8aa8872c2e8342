CREATE TYPE "public"."rollout_state" AS ENUM('provisioning', 'stepping', 'analysing', 'paused', 'awaiting_approval', 'promoted', 'rolled_back', 'aborted', 'failed');--> statement-breakpoint
CREATE TABLE "rollouts" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"deployment_id" text NOT NULL,
	"n" integer NOT NULL,
	"from_version_id" text,
	"from_version" integer NOT NULL,
	"to_version_id" text NOT NULL,
	"to_version" integer NOT NULL,
	"plan" jsonb NOT NULL,
	"state" "rollout_state" DEFAULT 'provisioning' NOT NULL,
	"current_step" integer DEFAULT -1 NOT NULL,
	"current_weight" integer DEFAULT 0 NOT NULL,
	"step_started_at" timestamp (3) with time zone,
	"verdicts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"approved_by" text,
	"started_by" text,
	"started_by_api_key" text,
	"started_by_label" text NOT NULL,
	"reason" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_from_version_id_model_versions_id_fk" FOREIGN KEY ("from_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_to_version_id_model_versions_id_fk" FOREIGN KEY ("to_version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_started_by_users_id_fk" FOREIGN KEY ("started_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_started_by_api_key_api_keys_id_fk" FOREIGN KEY ("started_by_api_key") REFERENCES "public"."api_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "rollouts_deployment_n_uq" ON "rollouts" USING btree ("deployment_id","n");--> statement-breakpoint
CREATE UNIQUE INDEX "rollouts_one_unfinished_uq" ON "rollouts" USING btree ("deployment_id") WHERE "rollouts"."state" not in ('promoted', 'rolled_back', 'aborted', 'failed');--> statement-breakpoint
CREATE INDEX "rollouts_org_deployment_idx" ON "rollouts" USING btree ("org_id","deployment_id","created_at");