-- Which migrations have been applied, for a service's application role, which may not read the
-- runner's bookkeeping table itself: a service refuses to start on a schema that lacks any of
-- the migrations it was built with.
CREATE FUNCTION applied_migrations() RETURNS SETOF TEXT
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT migration_name::text FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL
$$;
REVOKE ALL ON FUNCTION applied_migrations() FROM PUBLIC;
DO $$
BEGIN
  EXECUTE format('GRANT EXECUTE ON FUNCTION applied_migrations() TO %I', regexp_replace(current_user, '_migrator$', '_app'));
END
$$;
