-- Monitoring tables: the same tenant isolation as 0001_security.sql. Drift results are a log the app
-- appends to; baselines are written once per version (and may be dropped to be taken again).
GRANT SELECT, INSERT, DELETE ON baseline_profiles TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON drift_monitors TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT ON drift_results TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON alert_rules TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON alerts TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON notifications TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON webhook_endpoints TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON webhook_deliveries TO gantry_app;--> statement-breakpoint

ALTER TABLE baseline_profiles ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE baseline_profiles FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON baseline_profiles USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE drift_monitors ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE drift_monitors FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON drift_monitors USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE drift_results ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE drift_results FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON drift_results USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE alert_rules ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE alert_rules FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON alert_rules USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE alerts ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE alerts FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON alerts USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON notifications USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON webhook_endpoints USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON webhook_deliveries USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());
