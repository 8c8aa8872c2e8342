-- Experiment tracking tables: the same tenant isolation as 0001_security.sql.
GRANT SELECT, INSERT, UPDATE, DELETE ON experiments, experiment_tags, runs, run_params, run_tags, run_metrics, run_latest_metrics, datasets, run_inputs TO gantry_app;--> statement-breakpoint

ALTER TABLE experiments ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE experiments FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON experiments USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE experiment_tags ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE experiment_tags FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON experiment_tags USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE runs ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE runs FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON runs USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE run_params ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE run_params FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON run_params USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE run_tags ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE run_tags FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON run_tags USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE run_metrics ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE run_metrics FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON run_metrics USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE run_latest_metrics ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE run_latest_metrics FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON run_latest_metrics USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE datasets ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE datasets FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON datasets USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE run_inputs ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE run_inputs FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON run_inputs USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());
