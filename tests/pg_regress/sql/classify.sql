-- The classifier and its parts, with the spec's example values.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

-- Confidence: half up in double precision (round(float8) would give 0.855 -> 85 on ties to even).
SELECT raw, normalize_confidence(raw) FROM unnest(ARRAY[0.855, 0.854, 0.85, 0.5, 0.125, 0.0, 1.0]::float8[]) AS raw;
SELECT normalize_confidence(1.5);
\echo :SQLSTATE
SELECT normalize_confidence(-0.1);
\echo :SQLSTATE
SELECT normalize_confidence('NaN');
\echo :SQLSTATE
SELECT normalize_confidence('Infinity');
\echo :SQLSTATE
SELECT normalize_confidence(NULL) IS NULL AS null_in_null_out;
-- Numbers in the message print as JavaScript prints them: exponent form below 1e-6 and from 1e21.
SELECT normalize_confidence(-1e-7);
\echo :SQLSTATE
SELECT normalize_confidence(1e21);
\echo :SQLSTATE

-- No signals: UNKNOWN, Unknown, 0, and the spec's fingerprint.
SELECT * FROM classify_failure('[]');

-- One example per rule; first match wins (ROLLBACK_IN_PROGRESS is rule 3, not rule 4).
SELECT reason, c.error_class, c.service, c.confidence_score, c.proposed_action, c.playbook_id, c.verdict_type
  FROM unnest(ARRAY[
      'Certificate DNS validation is pending',
      'NS records not configured for zone',
      'Stack is in ROLLBACK_IN_PROGRESS state',
      'Stack is in UPDATE_IN_PROGRESS state and can not be updated',
      'Secrets Manager can''t find the specified secret',
      'environment variable DATABASE_URL not set',
      '[DEPRECATED] use Bucket.fromArn instead',
      'expected 512 MiB but got 512 MB',
      'Something else broke']) AS reason,
       classify_failure(jsonb_build_array(jsonb_build_object(
           'resourceType', 'AWS::CloudFormation::Stack', 'statusReason', reason, 'logicalId', 'X'))) c;

-- The tokens example of the spec, and fingerprints of a match and of the UNKNOWN fallback.
SELECT tokens, fingerprint_id, error_class, confidence_score
  FROM classify_failure('[{"resourceType": "AWS::Lambda::Function", "statusReason": "Error: environment variable API_KEY is not set"}]');
SELECT error_class, service, confidence_score, fingerprint_id, tokens
  FROM classify_failure('[{"resourceType": "AWS::S3::Bucket", "statusReason": "Bucket 12345678901234 at 2025-01-15T09:50:00Z failed"},
                          {"resourceType": "AWS::IAM::Role", "statusReason": "Role MyAppStack denied"}]');
-- Several signals: reasons are combined; the fallback takes the first signal's type and reason.
SELECT error_class, fingerprint_id
  FROM classify_failure('[{"resourceType": "A", "statusReason": "first"}, {"resourceType": "B", "statusReason": "stack is in rollback now"}]');

-- Deterministic: the same input gives the same row, and it is IMMUTABLE.
SELECT count(DISTINCT c) AS distinct_results
  FROM generate_series(1, 20), classify_failure('[{"resourceType": "R", "statusReason": "delegation pending"}]') c;
SELECT provolatile FROM pg_proc WHERE proname = 'classify_failure';

-- A policy given explicitly is used instead of the active one.
SELECT error_class, confidence_score, proposed_action, playbook_id, verdict_type
  FROM classify_failure('[{"resourceType": "R", "statusReason": "disk full"}]',
                        '{"classification_rules": [{"errorClass": "DISK_FULL", "service": "EC2", "confidence": 0.7,
                                                     "tokens": [], "patterns": ["disk\\s+full"]}],
                          "playbooks": {"DISK_FULL": {"action": "HUMAN_REQUIRED", "playbookId": "disk"},
                                        "UNKNOWN": {"action": "OPEN_ISSUE", "playbookId": "unknown-error"}},
                          "confidence_normalization": {}}');

-- Bad signals and bad policies: clear errors, SQLSTATE 22023.
SELECT * FROM classify_failure('{"statusReason": "x"}');
\echo :SQLSTATE
SELECT * FROM classify_failure('[42]');
\echo :SQLSTATE
SELECT * FROM classify_failure('[{"resourceType": "R"}]');
\echo :SQLSTATE
SELECT * FROM classify_failure('[{"resourceType": "R", "statusReason": 7}]');
\echo :SQLSTATE
SELECT * FROM classify_failure(NULL);
\echo :SQLSTATE
SELECT * FROM classify_failure('[]', NULL);
\echo :SQLSTATE
SELECT * FROM classify_failure('[]', '{"classification_rules": [], "playbooks": {}, "confidence_normalization": {}}');
\echo :SQLSTATE
SELECT * FROM classify_failure('[]', '{"classification_rules": [{"errorClass": "X", "service": "S", "confidence": 0.5, "tokens": [], "patterns": ["(?=look)"]}],
                                      "playbooks": {"X": {"action": "OPEN_ISSUE", "playbookId": "x"}, "UNKNOWN": {"action": "OPEN_ISSUE", "playbookId": "u"}},
                                      "confidence_normalization": {}}');
\echo :SQLSTATE
SELECT * FROM classify_failure('[]', '[1, 2]');
\echo :SQLSTATE

-- Only resourceType and statusReason are read: whatever else a signal holds, any valid jsonb
-- (a number beyond double range, nesting past 128 levels), it is classified as AFU-9 did.
SELECT error_class, service, confidence_score, fingerprint_id
  FROM classify_failure('[{"resourceType": "R", "statusReason": "secret not found", "timestamp": 1e400}]');
SELECT error_class, tokens
  FROM classify_failure(jsonb_build_array(jsonb_build_object('resourceType', 'R',
           'statusReason', 'secret not found', 'detail', (repeat('[', 300) || repeat(']', 300))::jsonb)));
-- A signal nested past 128 levels is still no object.
SELECT * FROM classify_failure((repeat('[', 300) || repeat(']', 300))::jsonb);
\echo :SQLSTATE
SELECT * FROM classify_failure('[]', (repeat('{"a":', 300) || '1' || repeat('}', 300))::jsonb);
\echo :SQLSTATE

-- Signals and policies are limited to 1 MiB of jsonb: every classification ends quickly, so a
-- cancel or statement_timeout is never held up (54000). Replays report it as an issue.
SELECT * FROM classify_failure(jsonb_build_array(jsonb_build_object('resourceType', 'R',
                                                 'statusReason', repeat('x', 1100000))));
\echo :SQLSTATE
SELECT * FROM classify_failure('[]', active_policy() || jsonb_build_object('padding', repeat('x', 1100000)));
\echo :SQLSTATE
SELECT verdict_replay_issues(jsonb_build_array(jsonb_build_object('resourceType', 'R',
                                               'statusReason', repeat('x', 1100000))),
                             active_policy(), 'UNKNOWN', 50, 'OPEN_ISSUE', 'fp') AS issues;
-- Just under the limit: 100,000 distinct words are classified, one token each.
SELECT error_class, cardinality(tokens) AS tokens
  FROM classify_failure(jsonb_build_array(jsonb_build_object('resourceType', 'R',
           'statusReason', (SELECT string_agg('word' || i, ' ') FROM generate_series(1, 100000) i))));
