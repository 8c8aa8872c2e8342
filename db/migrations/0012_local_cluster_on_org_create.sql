-- Every organization has its `local` cluster from the moment it exists, so reading clusters never
-- writes. IDs keep the application's shape: `<prefix>_` + 10 characters of millisecond time and 16
-- random characters, in lower-case Crockford base32.
CREATE FUNCTION gantry_new_id(prefix text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  alphabet constant text := '0123456789abcdefghjkmnpqrstvwxyz';
  t bigint := floor(extract(epoch from clock_timestamp()) * 1000)::bigint;
  r bytea := decode(replace(gen_random_uuid()::text, '-', ''), 'hex');
  out text := '';
BEGIN
  FOR i IN 1..10 LOOP
    out := substr(alphabet, (t % 32)::int + 1, 1) || out;
    t := t / 32;
  END LOOP;
  FOR i IN 0..15 LOOP
    out := out || substr(alphabet, get_byte(r, i) % 32 + 1, 1);
  END LOOP;
  RETURN prefix || '_' || out;
END $$;--> statement-breakpoint
CREATE FUNCTION gantry_create_local_cluster() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO clusters (id, org_id, name, kind, status, created_by)
  VALUES (gantry_new_id('clu'), NEW.id, 'local', 'local', 'ready', NEW.created_by)
  ON CONFLICT DO NOTHING;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER organizations_local_cluster AFTER INSERT ON organizations
  FOR EACH ROW EXECUTE FUNCTION gantry_create_local_cluster();--> statement-breakpoint
INSERT INTO clusters (id, org_id, name, kind, status, created_by)
SELECT gantry_new_id('clu'), o.id, 'local', 'local', 'ready', o.created_by
FROM organizations o
WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE c.org_id = o.id AND c.kind = 'local')
ON CONFLICT DO NOTHING;
