-- Publish, activate, roll back, per-repository policies, diff, replay, statistics.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

-- v1.1.0: CFN rules swapped (order decides), MISSING_SECRET surer and for humans,
-- UNIT_MISMATCH dropped, NETWORK_TIMEOUT added, a note in confidence_normalization.
SELECT jsonb_build_object(
           'classification_rules', jsonb_build_array(
               r->0, r->1, r->3, r->2, jsonb_set(r->4, '{confidence}', '0.9'), r->5, r->6,
               '{"errorClass": "NETWORK_TIMEOUT", "service": "Network", "confidence": 0.7,
                 "tokens": ["network", "timeout"], "patterns": ["timed? ?out"]}'::jsonb),
           'playbooks', (p->'playbooks') - 'UNIT_MISMATCH'
               || '{"NETWORK_TIMEOUT": {"action": "WAIT_AND_RETRY", "playbookId": "network-timeout"},
                    "MISSING_SECRET": {"action": "HUMAN_REQUIRED", "playbookId": "missing-secret"}}',
           'confidence_normalization', p->'confidence_normalization' || '{"note": "v1.1.0"}') AS v110
  FROM (SELECT active_policy() AS p, active_policy()->'classification_rules' AS r) s \gset

-- A run and verdicts under v1.0.0.
INSERT INTO workflow_executions (id, workflow_id, status) VALUES ('00000000-0000-4000-8000-0000000000e1', 'wf', 'failed');
SELECT error_class, confidence_score, proposed_action
  FROM unnest(ARRAY['secret not found', 'Stack is in ROLLBACK_IN_PROGRESS', 'expected 512 MiB but got 512 MB',
                    'DNS validation pending']) AS reason,
       generate_verdict('00000000-0000-4000-8000-0000000000e1',
                        jsonb_build_array(jsonb_build_object('resourceType', 'R', 'statusReason', reason))) g;

-- Publish and activate v1.1.0: new runs are snapshotted with it, the old run keeps v1.0.0.
SELECT version, repository_id, document_hash = sha256(convert_to(:'v110'::jsonb::text, 'UTF8')) AS stored_by_hash
  FROM publish_policy('v1.1.0', :'v110');
SELECT version, scope_repository_id FROM active_policy_version();
INSERT INTO workflow_executions (id, workflow_id, status) VALUES ('00000000-0000-4000-8000-0000000000e2', 'wf', 'running');
SELECT e.id, s.version FROM workflow_executions e JOIN policy_snapshots s ON s.id = e.policy_snapshot_id ORDER BY e.id;

-- Rejected documents, one per reason, each naming the JSON path; and rejected versions.
SELECT publish_policy('v1.2.0', :'v110'::jsonb - 'playbooks');
\echo :SQLSTATE
SELECT publish_policy('v1.2.0', jsonb_set(:'v110', '{classification_rules}', '{"a": 1}'));
\echo :SQLSTATE
SELECT publish_policy('v1.2.0', jsonb_set(:'v110', '{classification_rules,0,service}', '7'));
\echo :SQLSTATE
SELECT publish_policy('v1.2.0', jsonb_set(:'v110', '{classification_rules,1,patterns,0}', '"(unclosed"'));
\echo :SQLSTATE
SELECT publish_policy('v1.2.0', jsonb_set(:'v110', '{classification_rules,2,confidence}', '1.5'));
\echo :SQLSTATE
SELECT publish_policy('v1.2.0', jsonb_set(:'v110', '{classification_rules,3,errorClass}', '"NO_PLAYBOOK"'));
\echo :SQLSTATE
SELECT publish_policy('v1.2.0', jsonb_set(:'v110', '{playbooks,MISSING_SECRET,action}', '"PAGE_SOMEONE"'));
\echo :SQLSTATE
SELECT publish_policy('v1.2.0', jsonb_set(:'v110', '{playbooks}', (:'v110'::jsonb->'playbooks') - 'UNKNOWN'));
\echo :SQLSTATE
SELECT publish_policy('v1.2.0', NULL);
\echo :SQLSTATE
SELECT publish_policy('1.2.0', :'v110');
\echo :SQLSTATE
SELECT publish_policy('v1.2', :'v110');
\echo :SQLSTATE
SELECT publish_policy('v1.0.5', :'v110');
\echo :SQLSTATE
SELECT publish_policy('v1.1.0', :'v110');
\echo :SQLSTATE
-- Versions compare as numbers: v1.10.0 is greater than v1.9.0.
SELECT version FROM publish_policy('v1.9.0', :'v110', false);
SELECT version FROM publish_policy('v1.10.0', :'v110', false);
SELECT publish_policy('v1.9.9', :'v110', false);
\echo :SQLSTATE
-- Nothing of the refused publications was stored; the unactivated ones are not active.
SELECT count(*) AS versions FROM policy_versions;
SELECT version FROM active_policy_version();

-- Roll back: activate v1.0.0 again. New runs get it; history records it; nothing is rewritten.
SELECT version FROM activate_policy('v1.0.0') a JOIN policy_versions v ON v.id = a.policy_version_id;
INSERT INTO workflow_executions (id, workflow_id, status) VALUES ('00000000-0000-4000-8000-0000000000e3', 'wf', 'running');
SELECT e.id, s.version FROM workflow_executions e JOIN policy_snapshots s ON s.id = e.policy_snapshot_id ORDER BY e.id;
SELECT activate_policy('v7.0.0');
\echo :SQLSTATE

-- A repository with its own, stricter policy; other runs keep the global one.
SELECT version, repository_id FROM publish_policy('v0.1.0',
    jsonb_set(active_policy(), '{playbooks,ACM_DNS_VALIDATION_PENDING,action}', '"HUMAN_REQUIRED"'),
    true, '00000000-0000-4000-8000-00000000aaaa');
SELECT version, scope_repository_id FROM active_policy_version('00000000-0000-4000-8000-00000000aaaa');
SELECT version, scope_repository_id FROM active_policy_version('00000000-0000-4000-8000-00000000bbbb');
SELECT active_policy('00000000-0000-4000-8000-00000000aaaa')->'playbooks'->'ACM_DNS_VALIDATION_PENDING'->>'action' AS repo_action,
       active_policy()->'playbooks'->'ACM_DNS_VALIDATION_PENDING'->>'action' AS global_action;
-- Within one transaction the next statement sees an activation, and so does classify_failure,
-- whose policy is active_policy() by default (looked up once per statement snapshot).
BEGIN;
SELECT proposed_action FROM classify_failure('[{"resourceType": "R", "statusReason": "secret not found"}]');
SELECT version FROM publish_policy('v8.0.0',
    jsonb_set(active_policy(), '{playbooks,MISSING_SECRET,action}', '"HUMAN_REQUIRED"'));
SELECT proposed_action FROM classify_failure('[{"resourceType": "R", "statusReason": "secret not found"}]');
SELECT active_policy()->'playbooks'->'MISSING_SECRET'->>'action' AS global_action;
ROLLBACK;
SELECT active_policy()->'playbooks'->'MISSING_SECRET'->>'action' AS global_action;
INSERT INTO workflow_executions (id, workflow_id, status, repository_id) VALUES
    ('00000000-0000-4000-8000-0000000000e4', 'wf', 'failed', '00000000-0000-4000-8000-00000000aaaa'),
    ('00000000-0000-4000-8000-0000000000e5', 'wf', 'failed', '00000000-0000-4000-8000-00000000bbbb');
SELECT e.id, s.version, g.proposed_action
  FROM workflow_executions e
  JOIN policy_snapshots s ON s.id = e.policy_snapshot_id,
       generate_verdict(e.id, '[{"resourceType": "R", "statusReason": "DNS validation pending"}]') g
 WHERE e.id IN ('00000000-0000-4000-8000-0000000000e4', '00000000-0000-4000-8000-0000000000e5')
 ORDER BY e.id;
-- A repository may also pin a global version.
SELECT activate_policy('v1.1.0', '00000000-0000-4000-8000-00000000aaaa') IS NOT NULL AS pinned;
SELECT version, scope_repository_id FROM active_policy_version('00000000-0000-4000-8000-00000000aaaa');

-- v1.0.0 ships with the extension: published and activated by afu9_policy.
SELECT event, version, repository_id, actor FROM policy_history WHERE actor <> current_user;
SELECT event, version, repository_id FROM policy_history WHERE actor = current_user;

-- What changed from v1.0.0 to v1.1.0.
SELECT * FROM policy_diff('v1.0.0', 'v1.1.0');
SELECT count(*) AS changes FROM policy_diff('v1.1.0', 'v1.9.0');
SELECT * FROM policy_diff('v1.0.0', 'v3.0.0');
\echo :SQLSTATE

-- What v1.1.0 would have decided on the verdicts stored under v1.0.0.
SELECT policy_version, error_class, confidence_score, proposed_action,
       replayed_error_class, replayed_confidence_score, replayed_proposed_action, diverges
  FROM replay_verdicts('v1.1.0') WHERE execution_id = '00000000-0000-4000-8000-0000000000e1'
 ORDER BY error_class;
SELECT count(*) FILTER (WHERE diverges) AS diverging, count(*) AS replayed FROM replay_verdicts('v1.0.0');

SELECT * FROM policy_version_stats;

-- One statement, many runs over several scopes: each run gets its own scope's version
-- (aaaa pinned v1.1.0, bbbb and no repository the global v1.0.0).
INSERT INTO workflow_executions (workflow_id, status, repository_id)
SELECT 'bulk', 'running', (ARRAY['00000000-0000-4000-8000-00000000aaaa', '00000000-0000-4000-8000-00000000bbbb', NULL]::uuid[])[1 + g % 3]
  FROM generate_series(1, 30) g;
SELECT e.repository_id, s.version, count(*) AS runs
  FROM workflow_executions e JOIN policy_snapshots s ON s.id = e.policy_snapshot_id
 WHERE e.workflow_id = 'bulk' GROUP BY 1, 2 ORDER BY 1, 2;

-- Within one transaction, an activation decides the statements after it.
BEGIN;
INSERT INTO workflow_executions (workflow_id, status) VALUES ('tx-before', 'running');
SELECT activate_policy('v1.1.0') IS NOT NULL AS activated;
INSERT INTO workflow_executions (workflow_id, status) VALUES ('tx-after', 'running');
SELECT e.workflow_id, s.version
  FROM workflow_executions e JOIN policy_snapshots s ON s.id = e.policy_snapshot_id
 WHERE e.workflow_id LIKE 'tx-%' ORDER BY e.workflow_id;
ROLLBACK;

-- Inheritance: a repository's policy rendered from a base and overrides; what would be
-- published is the complete document, checked like any other.
SELECT r->>'errorClass' AS rule, r->>'confidence' AS confidence
  FROM jsonb_array_elements(render_policy(active_policy(), '{
         "prepend_rules": [{"errorClass": "REPO_FLAKY_TEST", "service": "CI", "confidence": 0.7,
                            "tokens": ["flaky"], "patterns": ["flaky"]}],
         "remove_rules": ["DEPRECATED_CDK_API"],
         "confidence": {"MISSING_SECRET": 0.99},
         "playbooks": {"REPO_FLAKY_TEST": {"action": "WAIT_AND_RETRY", "playbookId": "rerun"},
                       "DEPRECATED_CDK_API": null}
       }')->'classification_rules') r;
SELECT render_policy(active_policy(), '{"remove_rules": ["DEPRECATED_CDK_API"], "playbooks": {"DEPRECATED_CDK_API": null}}')
       ->'playbooks' ? 'DEPRECATED_CDK_API' AS playbook_kept;
-- A replaced rule keeps its place; an added one comes last.
SELECT n, r->>'errorClass' AS rule, r->>'service' AS service
  FROM jsonb_array_elements(render_policy(active_policy(), '{
         "replace_rules": [{"errorClass": "MISSING_SECRET", "service": "Vault", "confidence": 0.9,
                            "tokens": [], "patterns": ["vault secret"]}],
         "add_rules": [{"errorClass": "LAST_RESORT", "service": "Any", "confidence": 0.5, "tokens": [], "patterns": ["."]}],
         "playbooks": {"LAST_RESORT": {"action": "OPEN_ISSUE", "playbookId": "triage"}}
       }')->'classification_rules') WITH ORDINALITY AS t(r, n)
 WHERE r->>'errorClass' IN ('MISSING_SECRET', 'LAST_RESORT');
-- The rendered document classifies with the repository's rule first.
SELECT error_class, proposed_action FROM classify_failure('[{"resourceType": "R", "statusReason": "flaky test, secret not found"}]',
    render_policy(active_policy(), '{"prepend_rules": [{"errorClass": "REPO_FLAKY_TEST", "service": "CI", "confidence": 0.7,
                                                         "tokens": [], "patterns": ["flaky"]}],
                                     "playbooks": {"REPO_FLAKY_TEST": {"action": "WAIT_AND_RETRY", "playbookId": "rerun"}}}'));
-- Refused, each naming what is wrong.
SELECT render_policy(active_policy(), '{"remove_rules": ["NO_SUCH_CLASS"]}');
\echo :SQLSTATE
SELECT render_policy(active_policy(), '{"replace_rules": [{"errorClass": "NO_SUCH_CLASS"}]}');
\echo :SQLSTATE
SELECT render_policy(active_policy(), '{"add_rules": [{"errorClass": "MISSING_SECRET"}]}');
\echo :SQLSTATE
SELECT render_policy(active_policy(), '{"confidence": {"MISSING_SECRET": 1.5}}');
\echo :SQLSTATE
SELECT render_policy(active_policy(), '{"playbooks": {"MISSING_SECRET": null}}');
\echo :SQLSTATE
SELECT render_policy(active_policy(), '{"rules": []}');
\echo :SQLSTATE
SELECT render_policy(active_policy(), '{"remove_rules": "MISSING_SECRET"}');
\echo :SQLSTATE
SELECT render_policy('{}', '{}');
\echo :SQLSTATE
SELECT render_policy(active_policy(), NULL);
\echo :SQLSTATE
