CREATE TABLE "deployment_revisions" (
	"org_id" text NOT NULL,
	"deployment_id" text NOT NULL,
	"generation" integer NOT NULL,
	"traffic" jsonb NOT NULL,
	"replicas" integer NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deployment_revisions" ADD CONSTRAINT "deployment_revisions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_revisions" ADD CONSTRAINT "deployment_revisions_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deployment_revisions_org_idx" ON "deployment_revisions" USING btree ("org_id","deployment_id","at");