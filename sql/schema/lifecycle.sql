-- Policy lifecycle: publish, activate (and roll back), history, diff, replay, statistics.
-- Publishing and activating take one lock, so versions and activations have one order;
-- runs being inserted meanwhile are not blocked (they only read).

-- 'the global scope' or 'repository <id>', for messages.
CREATE OR REPLACE FUNCTION policy_scope_name(repository_id uuid) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN repository_id IS NULL THEN 'the global scope' ELSE 'repository ' || repository_id END;
COMMENT ON FUNCTION policy_scope_name(uuid) IS 'Names a policy scope in messages.';

-- The published version a scope can use: its own, else the global one.
CREATE OR REPLACE FUNCTION find_policy_version(version text, repository_id uuid DEFAULT NULL)
RETURNS policy_versions
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    published afu9_policy.policy_versions;
BEGIN
    SELECT * INTO published FROM afu9_policy.policy_versions v
     WHERE v.version = find_policy_version.version
       AND (v.repository_id = find_policy_version.repository_id OR v.repository_id IS NULL)
     ORDER BY v.repository_id IS NULL
     LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'policy version % is not published for %', version, afu9_policy.policy_scope_name(repository_id)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN published;
END
$$;
COMMENT ON FUNCTION find_policy_version(text, uuid) IS
    'The published version of that name for a repository (its own, else the global one) or globally; 22023 when there is none.';

-- Every publication ends here: plain, or rendered from a base and overrides (inheritance.sql).
CREATE OR REPLACE FUNCTION _publish_policy(version text, policies jsonb, activate boolean, repository_id uuid,
                                           base_version_id bigint, base_template_id bigint, overrides jsonb)
RETURNS policy_versions
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    latest text;
    published afu9_policy.policy_versions;
BEGIN
    PERFORM afu9_policy._check_policy_version(version);
    PERFORM afu9_policy.validate_policy(policies);

    LOCK TABLE afu9_policy.policy_activations IN SHARE ROW EXCLUSIVE MODE;
    IF EXISTS (SELECT 1 FROM afu9_policy.policy_versions v
                WHERE v.version = _publish_policy.version
                  AND v.repository_id IS NOT DISTINCT FROM _publish_policy.repository_id) THEN
        RAISE EXCEPTION 'policy version % is already published for %', version, policy_scope_name(repository_id)
            USING ERRCODE = 'unique_violation',
                  HINT = 'Published versions never change: publish a greater version.';
    END IF;
    SELECT v.version INTO latest FROM afu9_policy.policy_versions v
     WHERE v.repository_id IS NOT DISTINCT FROM _publish_policy.repository_id
     ORDER BY policy_version_key(v.version) DESC
     LIMIT 1;
    IF policy_version_key(version) <= policy_version_key(latest) THEN
        RAISE EXCEPTION 'policy version % is not greater than %, the latest published for %',
                        version, latest, policy_scope_name(repository_id)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    INSERT INTO afu9_policy.policy_versions (version, repository_id, document_hash, base_version_id, base_template_id, overrides)
    VALUES (version, repository_id, store_policy_document(policies), base_version_id, base_template_id, overrides)
    RETURNING * INTO published;
    IF activate THEN
        INSERT INTO afu9_policy.policy_activations (policy_version_id, repository_id)
        VALUES (published.id, repository_id);
    END IF;
    RETURN published;
END
$$;
COMMENT ON FUNCTION _publish_policy(text, jsonb, boolean, uuid, bigint, bigint, jsonb) IS
    'Internal: publishes (and activates) a version with its base and overrides, if any, after the checks publish_policy() documents.';

CREATE OR REPLACE FUNCTION publish_policy(version text, policies jsonb, activate boolean DEFAULT true,
                               repository_id uuid DEFAULT NULL)
RETURNS policy_versions
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    RETURN afu9_policy._publish_policy(version, policies, activate, repository_id, NULL, NULL, NULL);
END
$$;
COMMENT ON FUNCTION publish_policy(text, jsonb, boolean, uuid) IS
    'Publishes a policy version for the global scope or one repository, after checking the document (22023 naming the JSON path and the reason) and the version (vMAJOR.MINOR.PATCH, greater than every version of the scope; 23505 when published already); activates it unless activate is false.';

CREATE OR REPLACE FUNCTION activate_policy(version text, repository_id uuid DEFAULT NULL)
RETURNS policy_activations
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    activated afu9_policy.policy_activations;
BEGIN
    LOCK TABLE afu9_policy.policy_activations IN SHARE ROW EXCLUSIVE MODE;
    INSERT INTO afu9_policy.policy_activations (policy_version_id, repository_id)
    VALUES ((find_policy_version(version, repository_id)).id, repository_id)
    RETURNING * INTO activated;
    RETURN activated;
END
$$;
COMMENT ON FUNCTION activate_policy(text, uuid) IS
    'Makes a published version the one new runs of the scope are snapshotted with, from the next insert on; activating an older version is a rollback, recorded like any activation. A repository may activate its own versions or global ones.';

CREATE OR REPLACE VIEW policy_history AS
SELECT 'publish' AS event, v.version, v.repository_id, v.published_at AS occurred_at,
       v.published_by AS actor, v.document_hash, v.id AS policy_version_id, NULL::bigint AS activation_id
  FROM policy_versions v
UNION ALL
SELECT CASE WHEN policy_version_key(v.version) < policy_version_key(lag(v.version) OVER scope)
            THEN 'rollback' ELSE 'activate' END,
       v.version, a.repository_id, a.activated_at, a.activated_by, v.document_hash, v.id, a.id
  FROM policy_activations a
  JOIN policy_versions v ON v.id = a.policy_version_id
WINDOW scope AS (PARTITION BY a.repository_id ORDER BY a.id)
 ORDER BY occurred_at, activation_id NULLS FIRST, policy_version_id;
COMMENT ON VIEW policy_history IS
    'Every publication and activation (rollback: an activation of a lower version than the scope''s previous one), with who and when.';

CREATE OR REPLACE FUNCTION policy_document_diff(old_policy jsonb, new_policy jsonb)
RETURNS TABLE (change text, item text, field text, old_value jsonb, new_value jsonb)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    WITH docs AS (
        SELECT old_policy AS a, new_policy AS b
    ), old_rules AS (
        SELECT r->>'errorClass' AS class, r AS rule, n - 1 AS position
          FROM docs, jsonb_array_elements(a->'classification_rules') WITH ORDINALITY AS t(r, n)
    ), new_rules AS (
        SELECT r->>'errorClass' AS class, r AS rule, n - 1 AS position
          FROM docs, jsonb_array_elements(b->'classification_rules') WITH ORDINALITY AS t(r, n)
    ), rules AS (
        SELECT o.class AS old_class, n.class AS new_class, o.rule AS old_rule, n.rule AS new_rule,
               o.position AS old_position, n.position AS new_position
          FROM old_rules o FULL JOIN new_rules n ON n.class = o.class
    ), old_books AS (
        SELECT key AS class, value AS book FROM docs, jsonb_each(a->'playbooks')
    ), new_books AS (
        SELECT key AS class, value AS book FROM docs, jsonb_each(b->'playbooks')
    ), books AS (
        SELECT coalesce(n.class, o.class) AS class, o.book AS old_book, n.book AS new_book
          FROM old_books o FULL JOIN new_books n ON n.class = o.class
    ), changes AS (
        SELECT 1 AS part, coalesce(new_position, old_position) AS ord, 'rule added' AS change, new_class AS item,
               NULL::text AS field, NULL::jsonb AS old_value, new_rule AS new_value
          FROM rules WHERE old_rule IS NULL
        UNION ALL
        SELECT 1, old_position, 'rule removed', old_class, NULL, old_rule, NULL FROM rules WHERE new_rule IS NULL
        UNION ALL
        SELECT 1, new_position, 'rule changed', new_class, 'position', to_jsonb(old_position), to_jsonb(new_position)
          FROM rules WHERE old_position <> new_position
        UNION ALL
        SELECT 1, new_position, 'rule changed', new_class, k, old_rule->k, new_rule->k
          FROM rules, LATERAL (SELECT jsonb_object_keys(old_rule) UNION SELECT jsonb_object_keys(new_rule)) AS keys(k)
         WHERE old_rule IS NOT NULL AND new_rule IS NOT NULL AND old_rule->k IS DISTINCT FROM new_rule->k
        UNION ALL
        SELECT 2, NULL, CASE WHEN old_book IS NULL THEN 'playbook added' ELSE 'playbook removed' END, class,
               NULL, old_book, new_book
          FROM books WHERE old_book IS NULL OR new_book IS NULL
        UNION ALL
        SELECT 2, NULL, 'playbook changed', class, k, old_book->k, new_book->k
          FROM books, LATERAL (SELECT jsonb_object_keys(old_book) UNION SELECT jsonb_object_keys(new_book)) AS keys(k)
         WHERE old_book IS NOT NULL AND new_book IS NOT NULL AND old_book->k IS DISTINCT FROM new_book->k
        UNION ALL
        SELECT 3, NULL, 'key changed', k, NULL, a->k, b->k
          FROM docs, LATERAL (SELECT jsonb_object_keys(a) UNION SELECT jsonb_object_keys(b)) AS keys(k)
         WHERE k NOT IN ('classification_rules', 'playbooks') AND a->k IS DISTINCT FROM b->k
    )
    SELECT change, item, field, old_value, new_value FROM changes ORDER BY part, ord, item, change, field
$$;
COMMENT ON FUNCTION policy_document_diff(jsonb, jsonb) IS
    'What changed from one policy document to another, one row per change: rules added, removed or changed (per field, and position, since the first match wins; rules are matched by errorClass), playbooks added, removed or changed (per field), other top-level keys changed.';

CREATE OR REPLACE FUNCTION policy_diff(from_version text, to_version text, repository_id uuid DEFAULT NULL)
RETURNS TABLE (change text, item text, field text, old_value jsonb, new_value jsonb)
LANGUAGE sql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    WITH versions AS (
        SELECT afu9_policy.find_policy_version(from_version, repository_id) AS a,
               afu9_policy.find_policy_version(to_version, repository_id) AS b
    )
    -- What a version was rendered from (inheritance.sql), then what the rendered documents differ in.
    SELECT 'base changed', NULL, NULL, afu9_policy.policy_version_base(a), afu9_policy.policy_version_base(b)
      FROM versions WHERE afu9_policy.policy_version_base(a) IS DISTINCT FROM afu9_policy.policy_version_base(b)
    UNION ALL
    (SELECT 'overrides changed', k, NULL, (a).overrides->k, (b).overrides->k
       FROM versions, LATERAL (SELECT jsonb_object_keys(coalesce((a).overrides, '{}'))
                               UNION SELECT jsonb_object_keys(coalesce((b).overrides, '{}'))) AS keys(k)
      WHERE (a).overrides->k IS DISTINCT FROM (b).overrides->k
      ORDER BY k)
    UNION ALL
    SELECT d.* FROM versions,
           afu9_policy.policy_document_diff(afu9_policy.policy_document((a).document_hash),
                                            afu9_policy.policy_document((b).document_hash)) d
$$;
COMMENT ON FUNCTION policy_diff(text, text, uuid) IS
    'What changed from one published version to another, one row per change: for versions rendered from a base and overrides, the base and each override key changed; then policy_document_diff() of their documents (rules, playbooks, other keys).';

CREATE OR REPLACE FUNCTION replay_verdicts(version text, since interval DEFAULT interval '30 days', repository_id uuid DEFAULT NULL)
RETURNS TABLE (verdict_id uuid, execution_id uuid, created_at timestamptz, policy_version text,
               error_class text, confidence_score integer, proposed_action text,
               replayed_error_class text, replayed_confidence_score integer, replayed_proposed_action text,
               diverges boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        WITH candidate AS (
            SELECT body FROM afu9_policy.policy_documents
             WHERE hash = (afu9_policy.find_policy_version(version, repository_id)).document_hash
        )
        SELECT v.id, v.execution_id, v.created_at::timestamptz, coalesce(pv.version, r.version)::text,
               v.error_class::text, v.confidence_score, v.proposed_action::text,
               c.error_class, c.confidence_score, c.proposed_action,
               (v.error_class, v.confidence_score, v.proposed_action)
                   IS DISTINCT FROM (c.error_class, c.confidence_score, c.proposed_action)
          FROM public.verdicts v
          -- The verdict's snapshot: its run's (in the run's row), or stored apart.
          LEFT JOIN public.workflow_executions e ON e.id = v.execution_id AND e.policy_snapshot_id = v.policy_snapshot_id
          LEFT JOIN afu9_policy.policy_versions pv ON pv.id = e.policy_version_id
          LEFT JOIN afu9_policy.policy_snapshot_records r ON r.id = v.policy_snapshot_id AND pv.id IS NULL
          CROSS JOIN candidate
          LEFT JOIN LATERAL afu9_policy.replay_classification(v.signals, candidate.body) c ON true
         WHERE v.created_at > now() - since
         ORDER BY v.created_at, v.id;
END
$$;
COMMENT ON FUNCTION replay_verdicts(text, interval, uuid) IS
    'What a published version would decide on the signals of every verdict stored within the interval, beside what was decided, and whether they diverge (class, score or action). Signals that cannot be replayed give NULLs and count as diverging.';

-- A function under the view: the extension may not depend on the application's tables.
CREATE OR REPLACE FUNCTION _policy_version_stats()
RETURNS TABLE (policy_version text, runs bigint, failed_runs bigint, verdicts bigint, verdicts_by_class jsonb,
               avg_confidence numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH runs AS (
        SELECT coalesce(pv.version, r.version)::text AS version, count(*) AS runs,
               count(*) FILTER (WHERE e.status = 'failed') AS failed_runs
          FROM public.workflow_executions e
          LEFT JOIN afu9_policy.policy_versions pv ON pv.id = e.policy_version_id
          LEFT JOIN afu9_policy.policy_snapshot_records r ON r.id = e.policy_snapshot_id AND e.policy_version_id IS NULL
         WHERE e.policy_snapshot_id IS NOT NULL
         GROUP BY 1
    ), per_class AS (
        SELECT coalesce(pv.version, r.version)::text AS version, v.error_class, count(*) AS verdicts,
               sum(v.confidence_score) AS score_sum
          FROM public.verdicts v
          LEFT JOIN public.workflow_executions e ON e.id = v.execution_id AND e.policy_snapshot_id = v.policy_snapshot_id
          LEFT JOIN afu9_policy.policy_versions pv ON pv.id = e.policy_version_id
          LEFT JOIN afu9_policy.policy_snapshot_records r ON r.id = v.policy_snapshot_id AND pv.id IS NULL
         WHERE v.policy_snapshot_id IS NOT NULL
         GROUP BY 1, 2
    ), judged AS (
        SELECT version, sum(verdicts) AS verdicts, jsonb_object_agg(error_class, verdicts) AS verdicts_by_class,
               round(sum(score_sum) / sum(verdicts), 2) AS avg_confidence
          FROM per_class GROUP BY version
    )
    SELECT version AS policy_version,
           coalesce(runs.runs, 0) AS runs,
           coalesce(runs.failed_runs, 0) AS failed_runs,
           coalesce(judged.verdicts, 0)::bigint AS verdicts,
           coalesce(judged.verdicts_by_class, '{}'::jsonb) AS verdicts_by_class,
           judged.avg_confidence
      FROM runs FULL JOIN judged USING (version)
     ORDER BY afu9_policy.policy_version_key(version);
END
$$;
COMMENT ON FUNCTION _policy_version_stats() IS 'Internal: the rows of policy_version_stats.';

CREATE OR REPLACE VIEW policy_version_stats AS
SELECT * FROM _policy_version_stats();

COMMENT ON VIEW policy_version_stats IS
    'Per snapshotted policy version: runs, failed runs, verdicts, verdicts per class, average confidence.';
