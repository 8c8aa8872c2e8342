-- Compute, training, evaluation and retraining tables: the same tenant isolation as 0001_security.sql.
-- A job's status timeline is append-only for the app: it is the record of what the backend did.
GRANT SELECT, INSERT, UPDATE, DELETE ON clusters, cluster_gpu_prices, training_jobs, evaluation_policies, evaluations, retraining_policies TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT ON training_job_events TO gantry_app;--> statement-breakpoint

ALTER TABLE clusters ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE clusters FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON clusters USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE cluster_gpu_prices ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE cluster_gpu_prices FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON cluster_gpu_prices USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE training_jobs ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE training_jobs FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON training_jobs USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE training_job_events ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE training_job_events FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON training_job_events USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE evaluation_policies ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE evaluation_policies FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON evaluation_policies USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE evaluations ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE evaluations FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON evaluations USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE retraining_policies ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE retraining_policies FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON retraining_policies USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());
