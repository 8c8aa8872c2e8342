-- Deployment revisions: tenant isolation as 0001_security.sql, append-only for the app, written by a trigger.
GRANT SELECT, INSERT ON deployment_revisions TO gantry_app;--> statement-breakpoint
ALTER TABLE deployment_revisions ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE deployment_revisions FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON deployment_revisions USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

-- A revision per traffic generation or replica count, in the writing transaction, whichever code changed the policy.
CREATE FUNCTION gantry_record_deployment_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.traffic_generation IS DISTINCT FROM OLD.traffic_generation OR NEW.replicas IS DISTINCT FROM OLD.replicas THEN
    INSERT INTO deployment_revisions (org_id, deployment_id, generation, traffic, replicas, at)
    VALUES (NEW.org_id, NEW.id, NEW.traffic_generation, NEW.traffic, NEW.replicas, now());
  END IF;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER deployments_revision AFTER INSERT OR UPDATE ON deployments FOR EACH ROW EXECUTE FUNCTION gantry_record_deployment_revision();
