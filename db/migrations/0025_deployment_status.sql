CREATE TYPE "public"."deployment_status" AS ENUM('provisioning', 'ready', 'failed');--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "status" "deployment_status" DEFAULT 'ready' NOT NULL;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "status_message" text;