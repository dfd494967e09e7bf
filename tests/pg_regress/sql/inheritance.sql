-- Templates, and repository policies published as a base plus overrides: the complete rendered
-- document is what is published and snapshotted, its base and overrides recorded beside it;
-- policy_diff shows them; a new version of a base previews, never edits.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;
SET search_path = public, afu9_policy;

-- A template: a complete document under a name, versioned.
SELECT name, version, document_hash = sha256(convert_to(active_policy()::text, 'UTF8')) AS stored
  FROM publish_policy_template('strict', 'v1.0.0', active_policy());
SELECT publish_policy_template('strict', 'v1.0.0', active_policy());
\echo :SQLSTATE
SELECT publish_policy_template('strict', 'v0.9.0', active_policy());
\echo :SQLSTATE
SELECT publish_policy_template('no good', 'v1.0.0', active_policy());
\echo :SQLSTATE
SELECT publish_policy_template('strict', '1.1', active_policy());
\echo :SQLSTATE
SELECT publish_policy_template('strict', 'v1.1.0', '{"classification_rules": []}');
\echo :SQLSTATE
UPDATE policy_templates SET name = 'lax';
\echo :SQLSTATE

-- Repository A: the global v1.0.0 with its own first rule and a surer MISSING_SECRET.
SELECT version, repository_id, base_version_id IS NOT NULL AS from_global, base_template_id, overrides
  FROM publish_policy_overrides('v1.0.0', 'aaaaaaaa-0000-0000-0000-000000000001', 'v1.0.0', '{
         "prepend_rules": [{"errorClass": "REPO_FLAKY_TEST", "service": "CI", "confidence": 0.7,
                            "tokens": ["flaky"], "patterns": ["flaky"]}],
         "confidence": {"MISSING_SECRET": 0.99},
         "playbooks": {"REPO_FLAKY_TEST": {"action": "WAIT_AND_RETRY", "playbookId": "rerun"}}}');
-- Repository B: the template, without the CDK rule.
SELECT version, base_version_id, overrides
  FROM publish_policy_overrides('v1.0.0', 'aaaaaaaa-0000-0000-0000-000000000002', 'v1.0.0',
                                '{"remove_rules": ["DEPRECATED_CDK_API"], "playbooks": {"DEPRECATED_CDK_API": null}}', 'strict');
SELECT v.repository_id, v.version, policy_version_base(v) AS base FROM policy_versions v ORDER BY v.id;
-- Refused: no such base, overrides that do not apply; nothing is published.
SELECT publish_policy_overrides('v1.1.0', 'aaaaaaaa-0000-0000-0000-000000000001', 'v7.0.0', '{}');
\echo :SQLSTATE
SELECT publish_policy_overrides('v1.1.0', 'aaaaaaaa-0000-0000-0000-000000000001', 'v1.0.0', '{}', 'nope');
\echo :SQLSTATE
SELECT publish_policy_overrides('v1.1.0', 'aaaaaaaa-0000-0000-0000-000000000001', 'v1.0.0', '{"remove_rules": ["NO_SUCH_CLASS"]}');
\echo :SQLSTATE
SELECT publish_policy_overrides('v1.0.0', 'aaaaaaaa-0000-0000-0000-000000000001', 'v1.0.0', '{}');
\echo :SQLSTATE
SELECT count(*) AS versions FROM policy_versions;

-- The snapshot holds the complete rendered document, which decides the verdict.
INSERT INTO workflow_executions (id, workflow_id, status, repository_id)
VALUES ('11111111-0000-0000-0000-000000000001', 'ci', 'failed', 'aaaaaaaa-0000-0000-0000-000000000001');
SELECT s.version, s.policies->'classification_rules'->0->>'errorClass' AS first_rule,
       jsonb_array_length(s.policies->'classification_rules') AS rules,
       s.policies = render_policy(policy_document((SELECT document_hash FROM policy_versions WHERE id = 1)),
                                  (SELECT overrides FROM policy_versions WHERE repository_id = 'aaaaaaaa-0000-0000-0000-000000000001')) AS rendered
  FROM policy_snapshots s WHERE s.metadata->>'execution_id' = '11111111-0000-0000-0000-000000000001';
SELECT error_class, proposed_action, playbook_id
  FROM generate_verdict('11111111-0000-0000-0000-000000000001', '[{"resourceType": "CI", "statusReason": "flaky test"}]');

-- A second version of repository A on the template: the diff shows the base and overrides first.
SELECT version FROM publish_policy_overrides('v1.1.0', 'aaaaaaaa-0000-0000-0000-000000000001', 'v1.0.0',
                                             '{"confidence": {"MISSING_SECRET": 0.95}}', 'strict');
SELECT change, item, field, old_value, new_value
  FROM policy_diff('v1.0.0', 'v1.1.0', 'aaaaaaaa-0000-0000-0000-000000000001');

-- A new template version: which repositories would change, and how; nothing is edited.
SELECT name, version FROM publish_policy_template('strict', 'v1.1.0',
    jsonb_set(active_policy(), '{classification_rules}', (active_policy()->'classification_rules') - 6));
SELECT repository_id, version, current_base, changes, diff, error FROM policy_base_preview('v1.1.0', 'strict');
SELECT version, scope_repository_id FROM active_policy_version('aaaaaaaa-0000-0000-0000-000000000002');
-- The global base moves on: repository A is on the template now, so nothing would change.
SELECT version FROM publish_policy('v1.1.0', jsonb_set(active_policy(), '{classification_rules,4,confidence}', '0.9'));
SELECT count(*) AS affected FROM policy_base_preview('v1.1.0');
SELECT policy_base_preview('v9.9.9');
\echo :SQLSTATE

-- Base and overrides are sealed with the version.
SELECT seal_policy_ledger() > 0 AS sealed;
BEGIN;
ALTER TABLE policy_versions DISABLE TRIGGER policy_versions_reject_change;
UPDATE policy_versions SET overrides = '{}' WHERE repository_id = 'aaaaaaaa-0000-0000-0000-000000000001' AND version = 'v1.1.0';
SELECT table_name, kind FROM verify_policy_ledger();
ROLLBACK;
SET client_min_messages = warning;
DROP EXTENSION afu9_policy CASCADE;
DROP TABLE verdicts, workflow_executions CASCADE;
