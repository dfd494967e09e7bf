-- Access control: installed by a database owner who is not a superuser (trusted extension),
-- writer and auditor rights handed on per database, what writers may not set, and a
-- search_path hijack that does not work.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
DROP OWNED BY afu9_test_owner, afu9_test_writer, afu9_test_auditor;
DROP ROLE IF EXISTS afu9_test_stranger;
DROP ROLE IF EXISTS afu9_test_owner;
DROP ROLE IF EXISTS afu9_test_writer;
DROP ROLE IF EXISTS afu9_test_auditor;
RESET client_min_messages;
CREATE ROLE afu9_test_owner NOSUPERUSER;
CREATE ROLE afu9_test_writer NOSUPERUSER;
CREATE ROLE afu9_test_auditor NOSUPERUSER;
CREATE ROLE afu9_test_stranger NOSUPERUSER;
SELECT format('GRANT CREATE ON DATABASE %I TO afu9_test_owner', current_database()) \gexec
GRANT CREATE ON SCHEMA public TO afu9_test_owner;

-- The application's owner role installs it; the extension's tables belong to the bootstrap
-- superuser, the application's runs and verdicts (and the design's views) to the installer.
SET ROLE afu9_test_owner;
CREATE EXTENSION afu9_policy;
SELECT c.relname, pg_get_userbyid(c.relowner) = (SELECT rolname FROM pg_roles WHERE oid = 10) AS owned_by_bootstrap_superuser
  FROM pg_class c JOIN pg_depend d ON d.objid = c.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'afu9_policy') AND c.relkind = 'r'
 ORDER BY 1;
SELECT c.oid::regclass AS application_relation, pg_get_userbyid(c.relowner) AS owner,
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') AS extension_member
  FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v')
 ORDER BY c.relname;
-- Only these run as the extension's owner; none reads or writes the application's tables
-- (the snapshot trigger writes the snapshot store; sealing reads verdicts only from a plain table).
SELECT p.oid::regprocedure AS security_definer
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'afu9_policy') AND p.prosecdef
 ORDER BY p.oid::regprocedure::text;
-- ... so the role that installed it cannot switch off a guard.
ALTER TABLE policy_snapshot_records DISABLE TRIGGER policy_snapshot_records_reject_update;
\echo :SQLSTATE
-- Nor put anything into the extension's schema, which it created but no longer owns.
SELECT nspowner = 10 AS owned_by_bootstrap_superuser FROM pg_namespace WHERE nspname = 'afu9_policy';
CREATE FUNCTION afu9_policy.policy_version_key(afu9_policy.policy_version) RETURNS numeric[]
    LANGUAGE sql AS 'SELECT NULL::numeric[]';
\echo :SQLSTATE
-- No cluster-wide role was created or granted to it.
SELECT count(*) AS extension_roles FROM pg_roles WHERE rolname LIKE 'afu9\_policy%';
-- It hands rights on to its own logins, in this database, and publishes policies.
SELECT grant_policy_writer('afu9_test_writer');
SELECT grant_policy_auditor('afu9_test_auditor');
-- Attributed to the role that acted (here: by SET ROLE), not to the function's owner.
SELECT version, published_by
  FROM publish_policy('v1.1.0', active_policy() || '{"note": "by the owner"}', false);
RESET ROLE;

-- The writer: inserts runs, generates verdicts, moves runs along; nothing else.
SET ROLE afu9_test_writer;
INSERT INTO workflow_executions (id, workflow_id, status) VALUES ('00000000-0000-4000-8000-0000000000e1', 'wf', 'running')
RETURNING policy_snapshot_id IS NOT NULL AS has_snapshot;
SELECT status, completed_at IS NOT NULL AS completed FROM update_run_status('00000000-0000-4000-8000-0000000000e1', 'failed', NULL, 'secret not found');
SELECT error_class FROM generate_verdict('00000000-0000-4000-8000-0000000000e1', '[{"resourceType": "R", "statusReason": "secret not found"}]');
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE');
SELECT count(*) AS verdicts FROM verdicts;
-- A run's state is the application's to move (the snapshot link is guarded), not its creation time.
UPDATE workflow_executions SET status = 'completed' RETURNING status;
UPDATE workflow_executions SET created_at = now();
\echo :SQLSTATE
-- (the message names the snapshot ids, which differ from run to run)
\set VERBOSITY sqlstate
UPDATE workflow_executions SET policy_snapshot_id = gen_random_uuid();
\set VERBOSITY default
\echo :SQLSTATE
UPDATE verdicts SET confidence_score = 1;
\echo :SQLSTATE
UPDATE policy_snapshot_records SET version = 'v9.9.9';
\echo :SQLSTATE
DELETE FROM verdicts;
\echo :SQLSTATE
DELETE FROM workflow_executions;
\echo :SQLSTATE
TRUNCATE verdicts;
\echo :SQLSTATE
TRUNCATE policy_snapshot_records CASCADE;
\echo :SQLSTATE
ALTER TABLE verdicts DISABLE TRIGGER verdicts_reject_update;
\echo :SQLSTATE
ALTER TABLE workflow_executions DISABLE TRIGGER take_policy_snapshot;
\echo :SQLSTATE
-- The application's own snapshot-and-link works for a writer: the same policy is the run's own snapshot.
INSERT INTO policy_snapshots (version, policies, metadata)
SELECT 'v1.0.0', s.policies, jsonb_build_object('execution_id', e.id)
  FROM workflow_executions e JOIN policy_snapshots s ON s.id = e.policy_snapshot_id
 WHERE e.id = '00000000-0000-4000-8000-0000000000e1'
RETURNING id = (SELECT policy_snapshot_id FROM workflow_executions WHERE id = '00000000-0000-4000-8000-0000000000e1') AS the_runs_own;
SELECT activate_policy('v1.1.0');
\echo :SQLSTATE
SELECT publish_policy('v9.0.0', active_policy());
\echo :SQLSTATE
-- A writer cannot hand its rights on, nor set what the database sets: the ledger's order,
-- the times windows count by, a run's snapshot.
SELECT grant_policy_writer('afu9_test_auditor');
\echo :SQLSTATE
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action, ledger_seq)
OVERRIDING SYSTEM VALUE
VALUES ('00000000-0000-4000-8000-0000000000e1', 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE', 9000000000000000000);
\echo :SQLSTATE
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action, created_at)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE', '2000-01-01');
\echo :SQLSTATE
INSERT INTO workflow_executions (workflow_id, created_at) VALUES ('wf', '2000-01-01');
\echo :SQLSTATE
INSERT INTO workflow_executions (workflow_id, policy_snapshot_id)
SELECT 'wf', policy_snapshot_id FROM workflow_executions LIMIT 1;
\echo :SQLSTATE

-- A function and an operator planted earlier on the search_path are not used by the
-- extension's functions and triggers.
RESET ROLE;
CREATE SCHEMA evil AUTHORIZATION afu9_test_writer;
SET ROLE afu9_test_writer;
CREATE FUNCTION evil.sha256(bytea) RETURNS bytea LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked sha256'; END $$;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked now'; END $$;
CREATE FUNCTION evil.uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked ='; END $$;
CREATE OPERATOR evil.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.uuid_eq);
-- A new session, so that the snapshot trigger prepares its plans under this search_path.
\c -
SET ROLE afu9_test_writer;
SET search_path = evil, public, afu9_policy, pg_catalog;
INSERT INTO workflow_executions (id, workflow_id, status, repository_id)
VALUES ('00000000-0000-4000-8000-0000000000e2', 'wf', 'failed', '00000000-0000-4000-8000-00000000aaaa')
RETURNING policy_snapshot_id IS NOT NULL AS has_snapshot;
SELECT error_class FROM generate_verdict('00000000-0000-4000-8000-0000000000e2', '[{"resourceType": "R", "statusReason": "invalid unit"}]');
SELECT status FROM update_run_status('00000000-0000-4000-8000-0000000000e2', 'failed');
RESET search_path;
RESET ROLE;

-- The auditor: reads, audits, verifies, takes the digest; writes nothing.
SET ROLE afu9_test_auditor;
SELECT count(*) AS audited, count(*) FILTER (WHERE compliant) AS compliant FROM audit_verdicts();
SELECT count(*) AS problems FROM verify_policy_ledger();
SELECT (policy_ledger_digest()->'chains'->'verdicts'->>'length')::int AS sealed_verdicts;
SELECT (factory_status()->'runs'->>'total')::int AS runs;
INSERT INTO workflow_executions (workflow_id, status) VALUES ('wf', 'running');
\echo :SQLSTATE
SELECT * FROM generate_verdict('00000000-0000-4000-8000-0000000000e1', '[]');
\echo :SQLSTATE
RESET ROLE;

-- active_policy() reads with the caller's rights: a role without them is refused, also right
-- after another role's lookup in the same transaction (nothing is handed on from it).
BEGIN;
SELECT active_policy() IS NOT NULL AS found;
SET LOCAL ROLE afu9_test_stranger;
SELECT active_policy() IS NOT NULL AS found;
\echo :SQLSTATE
ROLLBACK;

-- Rights taken back: the writer keeps reading until its auditor rights go too.
SET ROLE afu9_test_owner;
SELECT revoke_policy_writer('afu9_test_writer');
RESET ROLE;
SET ROLE afu9_test_writer;
SELECT count(*) > 0 AS still_reads FROM workflow_executions;
INSERT INTO workflow_executions (workflow_id) VALUES ('wf');
\echo :SQLSTATE
RESET ROLE;

-- The writer's run was snapshotted in its name, though the trigger runs as the extension's owner.
SELECT r.created_by FROM policy_snapshot_records r JOIN workflow_executions e ON e.policy_snapshot_id = r.id
 WHERE e.id = '00000000-0000-4000-8000-0000000000e1';

-- Nothing the writer or auditor tried changed a verdict or snapshot.
SELECT count(*) AS verdicts, min(confidence_score) AS min_score FROM verdicts;
SELECT count(*) AS problems FROM verify_policy_ledger();

SET client_min_messages = warning;
DROP EXTENSION afu9_policy CASCADE;
DROP TABLE verdicts, workflow_executions CASCADE;
DROP SCHEMA evil CASCADE;
REVOKE CREATE ON SCHEMA public FROM afu9_test_owner;
DROP OWNED BY afu9_test_owner, afu9_test_writer, afu9_test_auditor;
DROP ROLE afu9_test_owner, afu9_test_writer, afu9_test_auditor, afu9_test_stranger;
