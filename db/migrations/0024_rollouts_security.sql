-- Rollouts: the same tenant isolation as 0001_security.sql. Rows leave only with their deployment.
GRANT SELECT, INSERT, UPDATE ON rollouts TO gantry_app;--> statement-breakpoint

ALTER TABLE rollouts ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE rollouts FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON rollouts USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());
