#!/usr/bin/env bash
# Runs inside pg_virtualenv (bench/run.sh): prints name|value lines.
set -euo pipefail
verdicts=$1
audits=$2
psql -XAtq -v ON_ERROR_STOP=1 -v verdicts="$verdicts" -v audits="$audits" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION afu9_policy;
SELECT 'server|PostgreSQL ' || current_setting('server_version');
CREATE TEMP TABLE reasons(i int, reason text);
INSERT INTO reasons VALUES (0, 'Certificate DNS validation is pending'), (1, 'NS records not configured'),
    (2, 'Stack is in ROLLBACK_IN_PROGRESS'), (3, 'another update is in progress'),
    (4, 'secret not found'), (5, 'environment variable API_KEY not set'), (6, '[DEPRECATED] method'),
    (7, 'invalid unit'), (8, 'Request 1736934600000 failed after 30 seconds');
CREATE TEMP TABLE input AS
SELECT g, jsonb_build_array(jsonb_build_object('resourceType', 'AWS::CloudFormation::Stack',
           'statusReason', r.reason || ' #' || g, 'logicalId', 'L' || g)) AS signals
  FROM generate_series(1, :verdicts) g JOIN reasons r ON r.i = g % 9;
CREATE TEMP TABLE clock(t timestamptz);

INSERT INTO clock VALUES (clock_timestamp());
SELECT count(c.*) FROM input, classify_failure(signals) c \g /dev/null
SELECT 'classify_per_s|' || round(:verdicts / extract(epoch FROM clock_timestamp() - t)) FROM clock;

INSERT INTO workflow_executions (id, workflow_id, status)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'bench', 'failed' FROM input;
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
SELECT count(generate_verdict(('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, signals)) FROM input \g /dev/null
SELECT 'generate_per_s|' || round(:verdicts / extract(epoch FROM clock_timestamp() - t)) FROM clock;

-- Fill up to the audit count with copies of the generated verdicts (same signals, same runs).
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score,
                      proposed_action, verdict_type, tokens, signals, playbook_id)
SELECT v.execution_id, v.fingerprint_id, v.error_class, v.service, v.confidence_score,
       v.proposed_action, v.verdict_type, v.tokens, v.signals, v.playbook_id
  FROM generate_series(1, greatest(:audits - :verdicts, 0)) g
  JOIN verdicts v ON v.execution_id = ('00000000-0000-4000-8000-' || lpad(to_hex(1 + g % :verdicts), 12, '0'))::uuid;
ANALYZE;
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
SELECT count(*) FILTER (WHERE compliant) FROM audit_verdicts(interval '1 day') \g /dev/null
SELECT 'audit_ms|' || round(extract(epoch FROM clock_timestamp() - t) * 1000) FROM clock;
SELECT 'audited|' || count(*) FROM verdicts;
SQL
