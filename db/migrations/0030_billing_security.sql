-- Billing: the same tenant isolation as 0001_security.sql, and two cross-tenant lookups for the
-- work that starts without a tenant (a Stripe webhook names a customer; the daily seat report
-- visits every subscribed organization). Events and usage reports are never changed or removed
-- by the app, except a usage report's `reported_at`.
GRANT SELECT, INSERT, UPDATE ON billing_accounts TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT ON billing_events TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON billing_usage_reports TO gantry_app;--> statement-breakpoint
GRANT SELECT ON billing_accounts TO gantry_definer;--> statement-breakpoint

ALTER TABLE billing_accounts ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE billing_accounts FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON billing_accounts USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint
CREATE POLICY definer_lookup ON billing_accounts FOR SELECT TO gantry_definer USING (true);--> statement-breakpoint

ALTER TABLE billing_events ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE billing_events FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON billing_events USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE billing_usage_reports ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE billing_usage_reports FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON billing_usage_reports USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

-- The organization a Stripe customer belongs to, and nothing else about it.
CREATE FUNCTION gantry_billing_customer_org(p_customer text) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT a.org_id FROM billing_accounts a WHERE a.stripe_customer_id = p_customer $$;--> statement-breakpoint
ALTER FUNCTION gantry_billing_customer_org(text) OWNER TO gantry_definer;--> statement-breakpoint
REVOKE ALL ON FUNCTION gantry_billing_customer_org(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gantry_billing_customer_org(text) TO gantry_app;--> statement-breakpoint

-- The organizations with a subscription that meters seats: the daily usage report's list.
CREATE FUNCTION gantry_billing_metered_orgs() RETURNS TABLE (org_id text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT a.org_id FROM billing_accounts a WHERE a.seat_item_id IS NOT NULL AND a.subscription_status IN ('active', 'trialing', 'past_due') ORDER BY a.org_id $$;--> statement-breakpoint
ALTER FUNCTION gantry_billing_metered_orgs() OWNER TO gantry_definer;--> statement-breakpoint
REVOKE ALL ON FUNCTION gantry_billing_metered_orgs() FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gantry_billing_metered_orgs() TO gantry_app;
