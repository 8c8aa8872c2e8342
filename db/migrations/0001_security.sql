-- Tenancy, privileges and append-only audit. Roles `gantry_app` (the login the
-- application uses) and `gantry_definer` (owner of the few cross-tenant lookups)
-- are created by db/migrate.ts before migrations run, since they are cluster-wide.

CREATE FUNCTION gantry_current_org() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.org_id', true), '') $$;--> statement-breakpoint
CREATE FUNCTION gantry_current_user() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.user_id', true), '') $$;--> statement-breakpoint

GRANT USAGE ON SCHEMA public TO gantry_app, gantry_definer;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, memberships, teams, team_memberships, projects, invitations, api_keys TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON users TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT ON audit_events TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON audit_heads TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_buckets TO gantry_app;--> statement-breakpoint
GRANT SELECT ON api_keys, invitations, organizations TO gantry_definer;--> statement-breakpoint

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- An org is visible as the current tenant, or when the signed-in user is a member (org switcher).
CREATE POLICY tenant_isolation ON organizations
  USING (id = gantry_current_org() OR id IN (SELECT m.org_id FROM memberships m WHERE m.user_id = gantry_current_user()))
  WITH CHECK (id = gantry_current_org());--> statement-breakpoint

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON memberships
  USING (org_id = gantry_current_org() OR user_id = gantry_current_user())
  WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE teams ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE teams FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON teams USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE team_memberships ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE team_memberships FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON team_memberships USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE projects ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE projects FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON projects USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON invitations USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint
CREATE POLICY definer_lookup ON invitations FOR SELECT TO gantry_definer USING (true);--> statement-breakpoint

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON api_keys USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint
CREATE POLICY definer_lookup ON api_keys FOR SELECT TO gantry_definer USING (true);--> statement-breakpoint

CREATE POLICY definer_lookup ON organizations FOR SELECT TO gantry_definer USING (true);--> statement-breakpoint

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON audit_events USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON audit_heads USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

CREATE FUNCTION gantry_audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;--> statement-breakpoint
CREATE TRIGGER audit_events_immutable BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION gantry_audit_immutable();--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION gantry_audit_immutable();--> statement-breakpoint

-- Cross-tenant lookups by secret, before the tenant is known. They return one
-- row for an exact hash/prefix match and nothing else.
CREATE FUNCTION gantry_api_key_lookup(p_prefix text)
  RETURNS TABLE (id text, org_id text, user_id text, secret_hash text, scopes text[], expires_at timestamptz, revoked_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT k.id, k.org_id, k.user_id, k.secret_hash, k.scopes, k.expires_at, k.revoked_at FROM api_keys k WHERE k.prefix = p_prefix $$;--> statement-breakpoint
ALTER FUNCTION gantry_api_key_lookup(text) OWNER TO gantry_definer;--> statement-breakpoint
REVOKE ALL ON FUNCTION gantry_api_key_lookup(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gantry_api_key_lookup(text) TO gantry_app;--> statement-breakpoint

CREATE FUNCTION gantry_invitation_lookup(p_token_hash text)
  RETURNS TABLE (id text, org_id text, org_name text, email text, role org_role, expires_at timestamptz, accepted_at timestamptz, revoked_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT i.id, i.org_id, o.name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at
        FROM invitations i JOIN organizations o ON o.id = i.org_id WHERE i.token_hash = p_token_hash $$;--> statement-breakpoint
ALTER FUNCTION gantry_invitation_lookup(text) OWNER TO gantry_definer;--> statement-breakpoint
REVOKE ALL ON FUNCTION gantry_invitation_lookup(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gantry_invitation_lookup(text) TO gantry_app;
