-- The key lookup also returns the run a key is bound to (the key a job's code logs with writes to that run only).
-- Same owner, grants and search path as in 0001_security.sql.
DROP FUNCTION gantry_api_key_lookup(text);--> statement-breakpoint
CREATE FUNCTION gantry_api_key_lookup(p_prefix text)
  RETURNS TABLE (id text, org_id text, user_id text, secret_hash text, scopes text[], expires_at timestamptz, revoked_at timestamptz, run_id text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT k.id, k.org_id, k.user_id, k.secret_hash, k.scopes, k.expires_at, k.revoked_at, k.run_id FROM api_keys k WHERE k.prefix = p_prefix $$;--> statement-breakpoint
ALTER FUNCTION gantry_api_key_lookup(text) OWNER TO gantry_definer;--> statement-breakpoint
REVOKE ALL ON FUNCTION gantry_api_key_lookup(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION gantry_api_key_lookup(text) TO gantry_app;
