-- Immutability guards, shared by every table whose rows must never change.
-- Created ENABLE ALWAYS (see the ALTER TABLE statements beside each table) so that
-- session_replication_role = replica does not switch them off.

CREATE OR REPLACE FUNCTION raise_immutable(operation text, relation text, what text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'cannot % %: % are immutable', operation, relation, what
        USING ERRCODE = 'restrict_violation',
              HINT = 'Changes are never made in place: insert a new row instead.';
END
$$;
COMMENT ON FUNCTION raise_immutable(text, text, text) IS
    'Raises the immutability error (SQLSTATE 23001, restrict_violation) for an operation on a relation.';

CREATE OR REPLACE FUNCTION reject_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    -- TG_ARGV[0] names what is protected, in the user's words ("policy snapshots").
    PERFORM afu9_policy.raise_immutable(TG_OP, TG_TABLE_NAME, TG_ARGV[0]);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reject_change() IS
    'Trigger function: rejects the triggering UPDATE, DELETE or TRUNCATE with SQLSTATE 23001 (restrict_violation).';
