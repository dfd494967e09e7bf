-- Tamper evidence: hash chains over snapshots, policy versions and verdicts, and a digest.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

-- Four runs on snapshots with fixed ids, a verdict on the first, a second policy version.
INSERT INTO policy_snapshots (id, version, policies)
SELECT ('00000000-0000-4000-8000-0000000000b' || i)::uuid, 'v1.0.0', active_policy() FROM generate_series(1, 4) i;
INSERT INTO workflow_executions (id, workflow_id, status, policy_snapshot_id)
SELECT ('00000000-0000-4000-8000-0000000000e' || i)::uuid, 'wf', 'failed', ('00000000-0000-4000-8000-0000000000b' || i)::uuid
  FROM generate_series(1, 4) i;
SELECT error_class FROM generate_verdict('00000000-0000-4000-8000-0000000000e1',
    '[{"resourceType": "R", "statusReason": "secret not found"}]');
SELECT version FROM publish_policy('v1.1.0', active_policy() || '{"note": "v1.1.0"}');

-- Nothing sealed yet; sealing chains every row in insertion order; all is intact.
SELECT count(*) AS problems FROM verify_policy_ledger();
SELECT seal_policy_ledger() AS sealed;
SELECT chain, count(*) AS length, min(position) AS first, max(position) AS last FROM policy_ledger GROUP BY chain ORDER BY chain;
SELECT * FROM verify_policy_ledger();
SELECT seal_policy_ledger() AS sealed_again;
SELECT jsonb_object_keys(policy_ledger_digest()->'chains') AS chain ORDER BY 1;
SELECT policy_ledger_digest() AS digest \gset
SELECT (:'digest'::jsonb)->'chains'->'policy_snapshots'->'length' AS snapshots_length;

-- The ledger itself is append-only.
UPDATE policy_ledger SET content_hash = '\x00';
\echo :SQLSTATE
DELETE FROM policy_ledger;
\echo :SQLSTATE

-- A superuser switches the guards off, changes one snapshot's policy, deletes another, and
-- switches them on again: verify names exactly those two rows.
ALTER TABLE policy_snapshot_records DISABLE TRIGGER USER;
UPDATE policy_snapshot_records
   SET document_hash = (SELECT document_hash FROM policy_versions WHERE version = 'v1.1.0')
 WHERE id = '00000000-0000-4000-8000-0000000000b2';
DELETE FROM policy_snapshot_records WHERE id = '00000000-0000-4000-8000-0000000000b3';
ALTER TABLE policy_snapshot_records ENABLE ALWAYS TRIGGER policy_snapshot_records_reject_update;
ALTER TABLE policy_snapshot_records ENABLE ALWAYS TRIGGER policy_snapshot_records_reject_truncate;
ALTER TABLE policy_snapshot_records ENABLE ALWAYS TRIGGER policy_snapshot_records_guard_delete;
SELECT table_name, row_id, kind FROM verify_policy_ledger();
SELECT detail FROM verify_policy_ledger() WHERE kind = 'row missing';

-- A row committed after later rows were sealed (here: given an old ledger_seq) cannot be
-- chained in order, and says so.
INSERT INTO policy_snapshot_records (id, version, document_hash, ledger_seq) OVERRIDING SYSTEM VALUE
SELECT '00000000-0000-4000-8000-0000000000b9', 'v1.0.0', document_hash, 0 FROM policy_versions WHERE version = 'v1.0.0';
SELECT table_name, row_id, kind, detail FROM verify_policy_ledger() WHERE kind = 'row inserted out of order';
-- A verdict changed behind the guard, and a policy document changed with its check dropped.
ALTER TABLE verdicts DISABLE TRIGGER verdicts_reject_update;
UPDATE verdicts SET confidence_score = 99;
ALTER TABLE verdicts ENABLE ALWAYS TRIGGER verdicts_reject_update;
BEGIN;
ALTER TABLE policy_documents DISABLE TRIGGER policy_documents_reject_change;
ALTER TABLE policy_documents DROP CONSTRAINT policy_documents_hash_is_content;
UPDATE policy_documents SET body = body || '{"note": "edited"}' WHERE body ? 'note';
SELECT table_name, kind FROM verify_policy_ledger() ORDER BY table_name, kind;
ROLLBACK;

-- Rewriting history and re-hashing it: the chain is consistent again, but not with the digest.
ALTER TABLE policy_ledger DISABLE TRIGGER policy_ledger_reject_change;
DELETE FROM policy_ledger;
ALTER TABLE policy_ledger ENABLE ALWAYS TRIGGER policy_ledger_reject_change;
DELETE FROM policy_snapshot_records WHERE id = '00000000-0000-4000-8000-0000000000b9';
SELECT seal_policy_ledger() AS resealed;
SELECT count(*) AS problems_without_digest FROM verify_policy_ledger();
SELECT table_name, kind FROM verify_policy_ledger(:'digest');
-- A tampered ledger entry breaks the chain.
ALTER TABLE policy_ledger DISABLE TRIGGER policy_ledger_reject_change;
UPDATE policy_ledger SET chain_hash = sha256('forged') WHERE chain = 'verdicts' AND position = 1;
ALTER TABLE policy_ledger ENABLE ALWAYS TRIGGER policy_ledger_reject_change;
SELECT table_name, kind, detail FROM verify_policy_ledger() WHERE kind = 'chain broken';
