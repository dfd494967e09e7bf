-- The owner's trade-off, both ways. Governed (the default), the application's tables are the
-- database owner's: it may switch a guard off, and the ledger detects what it changed. In
-- custody, they are afu9_policy_custodian's: the guards are refused to the owner too.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
DROP ROLE IF EXISTS afu9_custody_owner;
CREATE ROLE afu9_custody_owner;
SELECT datdba::regrole AS original_owner FROM pg_database WHERE datname = current_database() \gset
ALTER DATABASE :"DBNAME" OWNER TO afu9_custody_owner;
GRANT CREATE ON SCHEMA public TO afu9_custody_owner;
SET ROLE afu9_custody_owner;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;
INSERT INTO workflow_executions (id, workflow_id, status) VALUES ('00000000-0000-4000-8000-0000000000e1', 'wf', 'failed');
SELECT error_class FROM generate_verdict('00000000-0000-4000-8000-0000000000e1', '[{"resourceType": "R", "statusReason": "secret not found"}]');
SELECT seal_policy_ledger();

-- Governed: the owner can switch a guard off; the ledger shows the verdict it changed.
ALTER TABLE verdicts DISABLE TRIGGER verdicts_reject_update;
UPDATE verdicts SET confidence_score = 1;
ALTER TABLE verdicts ENABLE ALWAYS TRIGGER verdicts_reject_update;
SELECT table_name, kind FROM verify_policy_ledger();

-- Only a superuser gives the tables back; the owner takes custody.
SELECT release_custody();
\echo :SQLSTATE
SELECT take_custody();
SELECT relname, pg_get_userbyid(relowner) AS owner FROM pg_class
 WHERE oid IN ('workflow_executions'::regclass, 'verdicts'::regclass) ORDER BY 1;
-- In custody: the owner can no longer switch a guard off, truncate or alter the tables ...
ALTER TABLE verdicts DISABLE TRIGGER verdicts_reject_update;
\echo :SQLSTATE
TRUNCATE verdicts;
\echo :SQLSTATE
ALTER TABLE workflow_executions ADD COLUMN note text;
\echo :SQLSTATE
-- ... its migrations add columns through the extension: built-in types, governed tables only.
SELECT add_application_column('workflow_executions', 'note', 'text');
SELECT add_application_column('workflow_executions', 'labels', 'text[]');
SELECT add_application_column('workflow_executions', 'run', 'afu9_policy.run');
\echo :SQLSTATE
SELECT add_application_column('afu9_policy.policy_ledger', 'note', 'text');
\echo :SQLSTATE
-- ... and goes on using them.
INSERT INTO workflow_executions (id, workflow_id, status, note) VALUES ('00000000-0000-4000-8000-0000000000e2', 'wf', 'running', 'in custody')
RETURNING note, policy_snapshot_id IS NOT NULL AS has_snapshot;
UPDATE workflow_executions SET status = 'failed' WHERE id = '00000000-0000-4000-8000-0000000000e2' RETURNING status;
SELECT error_class FROM generate_verdict('00000000-0000-4000-8000-0000000000e2', '[{"resourceType": "R", "statusReason": "invalid unit"}]');
UPDATE verdicts SET confidence_score = 2;
\echo :SQLSTATE
SELECT release_custody();
\echo :SQLSTATE
RESET ROLE;

-- Another login may not take custody.
CREATE ROLE afu9_custody_other;
SET ROLE afu9_custody_other;
SELECT afu9_policy.take_custody();
\echo :SQLSTATE
RESET ROLE;
DROP ROLE afu9_custody_other;

-- A superuser gives the tables back: governed again.
SELECT release_custody();
SELECT relname, pg_get_userbyid(relowner) AS owner FROM pg_class
 WHERE oid IN ('workflow_executions'::regclass, 'verdicts'::regclass) ORDER BY 1;

-- Code of the application's on the tables would run as the custodian in a cascade: refused.
SET ROLE afu9_custody_owner;
CREATE FUNCTION touch_run() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER app_touch BEFORE UPDATE ON workflow_executions FOR EACH ROW EXECUTE FUNCTION touch_run();
SELECT take_custody();
\echo :SQLSTATE
RESET ROLE;

SET client_min_messages = warning;
DROP EXTENSION afu9_policy CASCADE;
DROP TABLE verdicts, workflow_executions CASCADE;
ALTER DATABASE :"DBNAME" OWNER TO :"original_owner";
REVOKE CREATE ON SCHEMA public FROM afu9_custody_owner;
DROP OWNED BY afu9_custody_owner;
DROP ROLE afu9_custody_owner;
DROP ROLE IF EXISTS afu9_policy_custodian;
