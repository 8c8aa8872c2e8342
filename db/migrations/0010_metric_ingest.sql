-- Metric points without foreign keys (docs/decisions/0016-metric-ingest-and-api-key-cache.md): a foreign
-- key checks each inserted row on its own, which cost more than inserting the point. The guarantees
-- they gave are kept another way: logBatch locks its run (FOR KEY SHARE) in the writing transaction,
-- so a run cannot disappear under a batch, and deleting runs (directly, or through their experiment
-- or organization) deletes their points in the same statement, as ON DELETE CASCADE did.
ALTER TABLE "run_metrics" DROP CONSTRAINT "run_metrics_org_id_organizations_id_fk";--> statement-breakpoint
ALTER TABLE "run_metrics" DROP CONSTRAINT "run_metrics_run_id_runs_id_fk";--> statement-breakpoint

-- The same tenant rule, with the tenant read once per statement (an InitPlan) instead of once per
-- row: chart reads scan up to millions of points.
ALTER POLICY tenant_isolation ON run_metrics
  USING (org_id = (SELECT gantry_current_org())) WITH CHECK (org_id = (SELECT gantry_current_org()));--> statement-breakpoint

-- Owned by gantry_definer, which may delete points and nothing else, whoever deletes the runs.
GRANT SELECT, DELETE ON run_metrics TO gantry_definer;--> statement-breakpoint
CREATE POLICY definer_cascade ON run_metrics FOR DELETE TO gantry_definer USING (true);--> statement-breakpoint
CREATE POLICY definer_cascade_read ON run_metrics FOR SELECT TO gantry_definer USING (true);--> statement-breakpoint
CREATE FUNCTION gantry_delete_run_metrics() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ BEGIN DELETE FROM run_metrics m USING deleted_runs d WHERE m.run_id = d.id; RETURN NULL; END $$;--> statement-breakpoint
ALTER FUNCTION gantry_delete_run_metrics() OWNER TO gantry_definer;--> statement-breakpoint
REVOKE ALL ON FUNCTION gantry_delete_run_metrics() FROM PUBLIC;--> statement-breakpoint
CREATE TRIGGER runs_delete_metrics AFTER DELETE ON runs REFERENCING OLD TABLE AS deleted_runs
  FOR EACH STATEMENT EXECUTE FUNCTION gantry_delete_run_metrics();
