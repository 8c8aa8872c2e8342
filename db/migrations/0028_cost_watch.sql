ALTER TABLE "cost_lines" DROP CONSTRAINT "cost_lines_model_version_id_model_versions_id_fk";
--> statement-breakpoint
ALTER TABLE "cost_lines" DROP CONSTRAINT "cost_lines_deployment_id_deployments_id_fk";
--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "costs_charged_until" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "budgets" ADD COLUMN "alerted_month" text;--> statement-breakpoint
ALTER TABLE "budgets" ADD COLUMN "alerted_percent" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The organizations the cost watch visits (a platform schedule, before any tenant is chosen): those
-- with a budget or a deployment. Their IDs only; each is then read under its own tenant.
GRANT SELECT ON budgets, deployments TO gantry_definer;--> statement-breakpoint
CREATE POLICY definer_lookup ON budgets FOR SELECT TO gantry_definer USING (true);--> statement-breakpoint
CREATE POLICY definer_lookup ON deployments FOR SELECT TO gantry_definer USING (true);--> statement-breakpoint
CREATE FUNCTION gantry_orgs_with_costs()
  RETURNS TABLE (org_id text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT org_id FROM budgets UNION SELECT org_id FROM deployments ORDER BY 1 $$;--> statement-breakpoint
ALTER FUNCTION gantry_orgs_with_costs() OWNER TO gantry_definer;--> statement-breakpoint
REVOKE ALL ON FUNCTION gantry_orgs_with_costs() FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gantry_orgs_with_costs() TO gantry_app;
