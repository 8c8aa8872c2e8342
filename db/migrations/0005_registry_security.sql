-- Model registry tables: the same tenant isolation as 0001_security.sql.
-- Alias history is append-only for the app, like the audit log: it records who moved an alias, so it cannot be rewritten.
GRANT SELECT, INSERT, UPDATE, DELETE ON registered_models, registered_model_tags, logged_models, logged_model_tags, logged_model_params, run_model_outputs, model_versions, model_version_tags, model_aliases, protected_model_aliases TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT ON model_alias_history TO gantry_app;--> statement-breakpoint

ALTER TABLE registered_models ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE registered_models FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON registered_models USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE registered_model_tags ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE registered_model_tags FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON registered_model_tags USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE logged_models ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE logged_models FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON logged_models USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE logged_model_tags ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE logged_model_tags FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON logged_model_tags USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE logged_model_params ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE logged_model_params FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON logged_model_params USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE run_model_outputs ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE run_model_outputs FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON run_model_outputs USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE model_versions ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE model_versions FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON model_versions USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE model_version_tags ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE model_version_tags FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON model_version_tags USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE model_aliases ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE model_aliases FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON model_aliases USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE protected_model_aliases ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE protected_model_aliases FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON protected_model_aliases USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE model_alias_history ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE model_alias_history FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON model_alias_history USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());
