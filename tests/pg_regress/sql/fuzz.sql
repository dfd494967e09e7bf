-- Bad input, 10,000 generated calls: every call succeeds or raises a clean ERROR whose SQLSTATE
-- is not XX000 (internal error, e.g. a Rust panic); the backend never crashes (this script
-- would stop); failed calls change nothing. Deterministic: the generator is seeded.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;
SELECT setseed(0.42);

-- Random JSON of a given depth: objects, arrays, strings (with odd characters), numbers, ...
CREATE FUNCTION pg_temp.random_json(depth int) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    pick int := floor(random() * 9);
BEGIN
    IF depth <= 0 OR pick < 3 THEN
        RETURN (ARRAY['null', 'true', '0', '-1.5e300', '0.855', '""', '"x"',
                      to_jsonb(repeat(chr(1 + floor(random() * 55000)::int), 1 + floor(random() * 8)::int))::text,
                      '"Stack is in ROLLBACK_IN_PROGRESS"', '"secret not found"'])[1 + floor(random() * 10)]::jsonb;
    ELSIF pick < 6 THEN
        RETURN (SELECT coalesce(jsonb_agg(pg_temp.random_json(depth - 1)), '[]') FROM generate_series(1, floor(random() * 4)::int));
    ELSE
        RETURN (SELECT coalesce(jsonb_object_agg(k, pg_temp.random_json(depth - 1)), '{}')
                  FROM unnest(ARRAY['resourceType', 'statusReason', 'errorClass', 'patterns', 'confidence',
                                    'playbooks', 'classification_rules', 'action', 'x']) k
                 WHERE random() < 0.4);
    END IF;
END $$;

-- Inputs aimed at the edges: signals and policies almost right, huge, deep, pathological.
CREATE FUNCTION pg_temp.random_signals() RETURNS jsonb LANGUAGE sql AS $$
    SELECT CASE floor(random() * 8)::int
        WHEN 0 THEN pg_temp.random_json(3)
        WHEN 1 THEN jsonb_build_array(jsonb_build_object('resourceType', 'R', 'statusReason', repeat('Stack is in ', 20000)))
        WHEN 2 THEN (SELECT (repeat('[', d) || repeat(']', d))::jsonb FROM (SELECT 150 + floor(random() * 200)::int AS d) n)
        WHEN 3 THEN jsonb_build_array(jsonb_build_object('resourceType', pg_temp.random_json(1), 'statusReason', 'x'))
        -- Not JSON at all: a lone surrogate escape, cut-off text (22P02 from the cast).
        WHEN 4 THEN (ARRAY['[{"resourceType": "R", "statusReason": "\ud800"}]', '[{"resourceType": "R", "statusR'])[1 + floor(random() * 2)]::jsonb
        ELSE jsonb_build_array(jsonb_build_object('resourceType', 'AWS::X', 'statusReason',
             (ARRAY['secret not found', 'Stack is in ROLLBACK_IN_PROGRESS', 'ä€𝄞 ' || random()::text,
                    repeat('a', 5000) || '!', '2025-01-01T00:00:00Z arn:aws:s3:eu:123456789012:x'])[1 + floor(random() * 5)]))
    END
$$;
-- Mutations of a small valid policy (compiling v1.0.0's 37 patterns for each would dominate).
CREATE FUNCTION pg_temp.base_policy() RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT '{"classification_rules": [
               {"errorClass": "A", "service": "S", "confidence": 0.5, "tokens": [], "patterns": ["secret"]},
               {"errorClass": "B", "service": "S", "confidence": 0.9, "tokens": ["b"], "patterns": ["stack", "b+"]}],
             "playbooks": {"A": {"action": "OPEN_ISSUE", "playbookId": "a"},
                           "B": {"action": "WAIT_AND_RETRY", "playbookId": "b"},
                           "UNKNOWN": {"action": "OPEN_ISSUE", "playbookId": "u"}},
             "confidence_normalization": {}}'::jsonb
$$;
CREATE FUNCTION pg_temp.random_policy() RETURNS jsonb LANGUAGE sql AS $$
    SELECT CASE floor(random() * 6)::int
        WHEN 0 THEN pg_temp.random_json(4)
        WHEN 1 THEN jsonb_set(pg_temp.base_policy(), '{classification_rules,0,patterns,0}',
                              to_jsonb((ARRAY['(a+)+$', '(', '[z-a]', '(?<=x)y', '\\1', repeat('(', 300), 'a{1000}{1000}',
                                              repeat('x*', 500), '\\p{Greek}'])[1 + floor(random() * 9)]))
        WHEN 2 THEN jsonb_set(pg_temp.base_policy(), '{classification_rules,1,confidence}', pg_temp.random_json(0))
        WHEN 3 THEN jsonb_set(pg_temp.base_policy(), '{playbooks}', pg_temp.random_json(2))
        WHEN 4 THEN (repeat('{"a":', 200) || '1' || repeat('}', 200))::jsonb
        ELSE pg_temp.base_policy() - (ARRAY['playbooks', 'classification_rules', 'confidence_normalization'])[1 + floor(random() * 3)]
    END
$$;

INSERT INTO workflow_executions (id, workflow_id, status)
SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'fuzz', 'failed' FROM generate_series(1, 50) i;
SELECT count(generate_verdict(id, '[{"resourceType": "R", "statusReason": "secret not found"}]')) AS seeded_verdicts
  FROM workflow_executions;

CREATE TEMP TABLE outcomes (fn text, sqlstate text);
CREATE TEMP TABLE before AS
SELECT (SELECT count(*) FROM verdicts) AS verdicts, (SELECT count(*) FROM policy_versions) AS versions,
       (SELECT count(*) FROM policy_documents) AS documents, (SELECT count(*) FROM policy_snapshot_records) AS snapshots;

DO $$
DECLARE
    fn text;
    ok_verdicts int := 0;
    ok_versions int := 0;
    n int := 0;
BEGIN
    FOR i IN 1..10000 LOOP
        fn := (ARRAY['classify_failure', 'generate_verdict', 'publish_policy', 'audit_verdict'])[1 + i % 4];
        BEGIN
            CASE fn
                WHEN 'classify_failure' THEN
                    PERFORM * FROM classify_failure(pg_temp.random_signals(),
                                                    CASE WHEN random() < 0.5 THEN active_policy() ELSE pg_temp.random_policy() END);
                WHEN 'generate_verdict' THEN
                    PERFORM * FROM generate_verdict(CASE WHEN random() < 0.8
                                                         THEN ('00000000-0000-4000-8000-' || lpad((1 + floor(random() * 50))::text, 12, '0'))::uuid
                                                         ELSE gen_random_uuid() END,
                                                    pg_temp.random_signals());
                    ok_verdicts := ok_verdicts + 1;
                WHEN 'publish_policy' THEN
                    PERFORM * FROM publish_policy('v2.0.' || i, pg_temp.random_policy(), false);
                    ok_versions := ok_versions + 1;
                ELSE
                    PERFORM * FROM audit_verdict((SELECT v FROM verdicts v OFFSET floor(random() * 50) LIMIT 1),
                                                 (SELECT s FROM policy_snapshots s OFFSET floor(random() * 50) LIMIT 1));
            END CASE;
            INSERT INTO outcomes VALUES (fn, '00000');
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO outcomes VALUES (fn, SQLSTATE);
        END;
    END LOOP;
    -- Failed calls left nothing behind: the tables grew by the successful calls only.
    IF (SELECT count(*) FROM verdicts) <> (SELECT verdicts FROM before) + ok_verdicts
       OR (SELECT count(*) FROM policy_versions) <> (SELECT versions FROM before) + ok_versions THEN
        RAISE EXCEPTION 'a failed call changed data';
    END IF;
END $$;

SELECT count(*) AS calls FROM outcomes;
SELECT count(*) AS internal_errors FROM outcomes WHERE sqlstate = 'XX000';
SELECT fn, sqlstate, count(*) > 0 AS seen FROM outcomes GROUP BY fn, sqlstate ORDER BY fn, sqlstate;
SELECT count(*) AS problems FROM verify_policy_ledger();
