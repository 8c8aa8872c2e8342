-- Serving tables: the same tenant isolation as 0001_security.sql. The prediction log is append-only for
-- the app (rows leave only by the deployment's deletion or retention, which the owner role runs).
GRANT SELECT, INSERT, UPDATE, DELETE ON deployments TO gantry_app;--> statement-breakpoint
GRANT SELECT, INSERT ON predictions TO gantry_app;--> statement-breakpoint

ALTER TABLE deployments ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE deployments FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON deployments USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

ALTER TABLE predictions ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE predictions FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON predictions USING (org_id = gantry_current_org()) WITH CHECK (org_id = gantry_current_org());--> statement-breakpoint

-- Every write to a deployment tells the gateways which one changed ("<org_id> <deployment_id>"), in the
-- writing transaction: the notification is delivered on commit and never for a rolled-back change.
CREATE FUNCTION gantry_notify_deployment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('gantry_deployments', OLD.org_id || ' ' || OLD.id);
  ELSE
    PERFORM pg_notify('gantry_deployments', NEW.org_id || ' ' || NEW.id);
  END IF;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER deployments_notify AFTER INSERT OR UPDATE OR DELETE ON deployments FOR EACH ROW EXECUTE FUNCTION gantry_notify_deployment();
