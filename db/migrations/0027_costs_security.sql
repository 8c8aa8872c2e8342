-- Costs: the same tenant isolation as 0001_security.sql. The ledger is append-only for the
-- application (lines leave only with their organization); budgets and reservations change freely.
GRANT SELECT, INSERT ON cost_lines TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON budgets TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON budget_reservations TO gantry_app;--> statement-breakpoint

ALTER TABLE cost_lines ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE cost_lines FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON cost_lines USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE budgets ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE budgets FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON budgets USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE budget_reservations ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE budget_reservations FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON budget_reservations USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());
