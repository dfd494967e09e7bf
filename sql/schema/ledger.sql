-- Tamper evidence. The guards refuse changes, but a superuser or the tables' owner can switch
-- them off; the ledger makes what slipped past detectable. Each chained row's canonical content
-- is hashed (SHA-256), and rows are linked in insertion order (ledger_seq): chain_hash =
-- SHA-256(previous chain_hash || content_hash). Inserts take no lock for this: the chain is
-- extended by seal_policy_ledger(), which holds a lock only while it seals. A digest of each
-- chain's length and tip, kept outside the database, exposes a history rewritten and re-hashed.

SELECT _make_immutable('policy_ledger', 'ledger entries', 'The ledger is append-only.');
-- verify_policy_ledger() asks, of every row below a chain's tip, whether it is sealed: without
-- this index each question read the whole chain (minutes for a million sealed runs).
CREATE INDEX IF NOT EXISTS policy_ledger_row_idx ON policy_ledger (chain, row_id);

-- A timestamp in one canonical text, whatever the session's TimeZone and DateStyle.
CREATE OR REPLACE FUNCTION ledger_time(ts timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
COMMENT ON FUNCTION ledger_time(timestamptz) IS 'A timestamp as canonical UTC text, for ledger hashes.';

-- Every chained row with the hash of its canonical content (a JSON array of its columns), of
-- the chains given (all when NULL) and past a position (row_seq, row_id) (sealing reads only what
-- is new). A function: the extension may not depend on the application's tables. Runs' snapshots
-- are in the order they were taken (row_seq: microseconds since 1970, ties by id); verdicts
-- stored before the extension governed the table have no ledger_seq and come first, at 0.
CREATE OR REPLACE FUNCTION _policy_ledger_rows(chains text[], after_seq bigint, after_id text)
RETURNS TABLE (chain text, row_id text, row_seq bigint, content_hash bytea)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        SELECT * FROM (
            SELECT 'policy_snapshots' AS chain, r.id::text AS row_id, r.ledger_seq AS row_seq,
                   sha256(convert_to(jsonb_build_array(r.id, r.version, encode(r.document_hash, 'hex'), ledger_time(r.created_at),
                                                       r.execution_id, r.created_by, r.metadata)::text, 'UTF8')) AS content_hash
              FROM afu9_policy.policy_snapshot_records r
             WHERE chains IS NULL OR 'policy_snapshots' = ANY (chains)
            UNION ALL
            SELECT 'run_snapshots', e.policy_snapshot_id::text, (extract(epoch FROM e.policy_snapshot_taken_at) * 1000000)::bigint,
                   -- The experiment arm only when there is one: runs sealed before keep their hash.
                   sha256(convert_to((jsonb_build_array(e.policy_snapshot_id, e.id, v.version, encode(v.document_hash, 'hex'),
                                                        ledger_time(e.policy_snapshot_taken_at), e.policy_snapshot_taken_by)
                                      || coalesce(to_jsonb(e.policy_experiment_arm_id), '[]'))::text, 'UTF8'))
              FROM ONLY public.workflow_executions e
              JOIN afu9_policy.policy_versions v ON v.id = e.policy_version_id
             WHERE (chains IS NULL OR 'run_snapshots' = ANY (chains)) AND e.policy_snapshot_id IS NOT NULL
            UNION ALL
            SELECT 'policy_versions', v.id::text, v.ledger_seq,
                   -- Base and overrides only for a version rendered from them: those sealed before keep their hash.
                   sha256(convert_to((jsonb_build_array(v.id, v.version, v.repository_id, encode(v.document_hash, 'hex'),
                                                        ledger_time(v.published_at), v.published_by)
                                      || CASE WHEN v.overrides IS NULL THEN '[]'::jsonb
                                              ELSE jsonb_build_array(v.base_version_id, v.base_template_id, v.overrides) END)::text, 'UTF8'))
              FROM afu9_policy.policy_versions v
             WHERE chains IS NULL OR 'policy_versions' = ANY (chains)
            UNION ALL
            SELECT 'policy_experiments', a.id::text, a.ledger_seq,
                   sha256(convert_to(jsonb_build_array(a.id, x.name, x.repository_id, a.running,
                                                       (SELECT jsonb_agg(jsonb_build_array(r.id, r.arm, r.policy_version_id, r.weight) ORDER BY r.arm)
                                                          FROM afu9_policy.policy_experiment_arms r WHERE r.allocation_id = a.id),
                                                       ledger_time(a.allocated_at), a.allocated_by)::text, 'UTF8'))
              FROM afu9_policy.policy_experiment_allocations a
              JOIN afu9_policy.policy_experiments x ON x.id = a.experiment_id
             WHERE chains IS NULL OR 'policy_experiments' = ANY (chains)
            UNION ALL
            SELECT 'verdicts', v.id::text, coalesce(v.ledger_seq, 0),
                   sha256(convert_to(jsonb_build_array(v.id, v.execution_id, v.policy_snapshot_id, v.fingerprint_id, v.error_class,
                                                       v.service, v.confidence_score, v.proposed_action, v.verdict_type, v.tokens,
                                                       v.signals, v.playbook_id, ledger_time(v.created_at), v.metadata)::text, 'UTF8'))
              FROM ONLY public.verdicts v
             WHERE chains IS NULL OR 'verdicts' = ANY (chains)
        ) r
        WHERE after_seq IS NULL OR (r.row_seq, r.row_id COLLATE "C") > (after_seq, after_id COLLATE "C");
END
$$;
COMMENT ON FUNCTION _policy_ledger_rows(text[], bigint, text) IS
    'Internal: the rows of the chains given (all when NULL) past the position (row_seq, row_id) given (all when NULL), with the SHA-256 of their canonical content as it is now.';

CREATE OR REPLACE VIEW policy_ledger_rows AS
SELECT * FROM _policy_ledger_rows(NULL, NULL, NULL);
COMMENT ON VIEW policy_ledger_rows IS 'Every row the ledger chains, with the SHA-256 of its canonical content as it is now.';

-- Sealing runs as the extension's owner and reads the application's verdicts: only from a plain
-- table, which runs no code of its owner's when read (a view or foreign table would).
CREATE OR REPLACE FUNCTION _check_plain_table(name text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = to_regclass(name)) IS DISTINCT FROM 'r' THEN
        RAISE EXCEPTION 'afu9_policy cannot read %: it is not a plain table', name
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'The extension governs the application''s tables; a view or foreign table in their place is refused.';
    END IF;
END
$$;
COMMENT ON FUNCTION _check_plain_table(text) IS 'Internal: 42809 unless the relation named is a plain table.';

-- The chains, in the order they are sealed.
CREATE OR REPLACE FUNCTION _ledger_chains() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY['policy_snapshots', 'run_snapshots', 'policy_versions', 'policy_experiments', 'verdicts'];
COMMENT ON FUNCTION _ledger_chains() IS
    'Internal: the ledger''s chains: stored snapshots, the snapshots in runs'' rows, published versions, experiment allocations (with their arms), verdicts.';

CREATE OR REPLACE FUNCTION seal_policy_ledger() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, afu9_policy, pg_temp
SET lock_timeout = '5s'
AS $$
DECLARE
    c text;
    tip record;
    pending record;
    sealed bigint := 0;
BEGIN
    -- Held until this transaction ends: sealers take turns; inserts of rows do not wait. A
    -- sealer left open must not stop every other: the wait is bounded (lock_timeout above).
    BEGIN
        LOCK TABLE afu9_policy.policy_ledger IN SHARE ROW EXCLUSIVE MODE;
    EXCEPTION WHEN lock_not_available THEN
        RAISE EXCEPTION 'cannot seal the policy ledger: another transaction has been sealing it for over %',
                        current_setting('lock_timeout')
            USING ERRCODE = 'lock_not_available',
                  HINT = 'That transaction holds the seal until it commits or rolls back (pg_locks shows it on policy_ledger); try again after.';
    END;
    PERFORM afu9_policy._check_plain_table('public.verdicts');
    PERFORM afu9_policy._check_plain_table('public.workflow_executions');
    FOREACH c IN ARRAY afu9_policy._ledger_chains() LOOP
        SELECT position, row_seq, row_id, chain_hash INTO tip
          FROM afu9_policy.policy_ledger WHERE chain = c ORDER BY position DESC LIMIT 1;
        FOR pending IN
            SELECT r.row_id, r.row_seq, r.content_hash
              FROM afu9_policy._policy_ledger_rows(ARRAY[c], tip.row_seq, tip.row_id) r
             ORDER BY r.row_seq, r.row_id COLLATE "C"
        LOOP
            tip.position := coalesce(tip.position, 0) + 1;
            tip.row_seq := pending.row_seq;
            tip.row_id := pending.row_id;
            tip.chain_hash := sha256(coalesce(tip.chain_hash, ''::bytea) || pending.content_hash);
            INSERT INTO afu9_policy.policy_ledger (chain, position, row_id, row_seq, content_hash, chain_hash)
            VALUES (c, tip.position, pending.row_id, pending.row_seq, pending.content_hash, tip.chain_hash);
            sealed := sealed + 1;
        END LOOP;
    END LOOP;
    RETURN sealed;
END
$$;
COMMENT ON FUNCTION seal_policy_ledger() IS
    'Extends each chain with the rows inserted (and committed) since the last seal, in insertion order; returns how many it sealed. Run it often: a row is tamper-evident once sealed. Waits at most 5 s for another sealer''s transaction, then 55P03.';

CREATE OR REPLACE FUNCTION policy_ledger_digest() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    -- A standby cannot seal: it reports what the primary has sealed.
    IF NOT pg_is_in_recovery() THEN
        PERFORM afu9_policy.seal_policy_ledger();
    END IF;
    RETURN jsonb_build_object(
        'at', iso8601(clock_timestamp()),
        'chains', (SELECT jsonb_object_agg(c, jsonb_build_object('length', coalesce(t.position, 0),
                                                                 'tip', encode(t.chain_hash, 'hex')))
                     FROM unnest(afu9_policy._ledger_chains()) AS c
                     LEFT JOIN LATERAL (SELECT position, chain_hash FROM afu9_policy.policy_ledger l
                                         WHERE l.chain = c ORDER BY position DESC LIMIT 1) t ON true));
END
$$;
COMMENT ON FUNCTION policy_ledger_digest() IS
    'Seals the ledger (on a standby: takes what the primary has sealed) and returns each chain''s length and tip hash with the time: keep it outside the database (and away from its administrators) to check against later.';

CREATE OR REPLACE FUNCTION verify_policy_ledger(digest jsonb DEFAULT NULL)
RETURNS TABLE (table_name text, row_id text, kind text, detail text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    -- Every row's content hash, computed once: three checks below read it.
    WITH current_rows AS MATERIALIZED (
        SELECT * FROM afu9_policy.policy_ledger_rows
    ), entries AS (
        SELECT l.*, lag(l.chain_hash) OVER (PARTITION BY l.chain ORDER BY l.position) AS previous,
               lag(l.position) OVER (PARTITION BY l.chain ORDER BY l.position) AS previous_position,
               max(l.row_seq) OVER (PARTITION BY l.chain) AS tip_seq
          FROM afu9_policy.policy_ledger l
    ), problems AS (
        -- A sealed row that is gone.
        SELECT e.chain, e.row_id, 'row missing' AS kind,
               format('sealed at position %s, no longer in the table', e.position) AS detail, e.position AS ord
          FROM entries e
         WHERE NOT EXISTS (SELECT 1 FROM current_rows r WHERE r.chain = e.chain AND r.row_id = e.row_id)
        UNION ALL
        -- A sealed row whose content is no longer what was sealed.
        SELECT e.chain, e.row_id, 'content changed',
               format('position %s: sealed %s, now %s', e.position, encode(e.content_hash, 'hex'), encode(r.content_hash, 'hex')),
               e.position
          FROM entries e JOIN current_rows r ON r.chain = e.chain AND r.row_id = e.row_id
         WHERE r.content_hash <> e.content_hash
        UNION ALL
        -- A link that does not follow from its predecessor, or a gap.
        SELECT e.chain, e.row_id, 'chain broken',
               format('position %s does not follow from position %s', e.position, coalesce(e.previous_position, 0)),
               e.position
          FROM entries e
         WHERE e.chain_hash <> sha256(coalesce(e.previous, ''::bytea) || e.content_hash)
            OR e.position <> coalesce(e.previous_position, 0) + 1
        UNION ALL
        -- A row committed after later rows were sealed: it can no longer be chained in order.
        SELECT r.chain, r.row_id, 'row inserted out of order',
               format('ledger_seq %s is below the sealed tip %s', r.row_seq, t.tip_seq), NULL
          FROM current_rows r
          JOIN (SELECT chain, max(row_seq) AS tip_seq FROM afu9_policy.policy_ledger GROUP BY chain) t ON t.chain = r.chain
         WHERE r.row_seq < t.tip_seq
           AND NOT EXISTS (SELECT 1 FROM afu9_policy.policy_ledger l WHERE l.chain = r.chain AND l.row_id = r.row_id)
        UNION ALL
        -- A stored policy document that no longer hashes to its key.
        SELECT 'policy_documents', encode(d.hash, 'hex'), 'content changed',
               format('body hashes to %s', encode(sha256(convert_to(d.body::text, 'UTF8')), 'hex')), NULL
          FROM afu9_policy.policy_documents d
         WHERE d.hash <> sha256(convert_to(d.body::text, 'UTF8'))
        UNION ALL
        -- Against a digest: the chain must still hold the digest's tip at the digest's length.
        SELECT d.key, NULL, 'history rewritten',
               format('the digest of %s has tip %s at length %s; the chain now has %s there',
                      digest->>'at', d.value->>'tip', d.value->>'length',
                      coalesce(encode(l.chain_hash, 'hex'), 'nothing')),
               NULL
          FROM jsonb_each(coalesce(digest->'chains', '{}'::jsonb)) d
          LEFT JOIN afu9_policy.policy_ledger l
                 ON l.chain = d.key AND l.position = (d.value->>'length')::bigint
         WHERE (d.value->>'length')::bigint > 0
           AND l.chain_hash IS DISTINCT FROM decode(d.value->>'tip', 'hex')
    )
    SELECT chain, row_id, kind, detail FROM problems ORDER BY chain, ord NULLS LAST, row_id, kind
$$;
COMMENT ON FUNCTION verify_policy_ledger(jsonb) IS
    'One row per problem: a sealed row missing or changed, a broken link, a row inserted out of order, a policy document whose body no longer hashes to its key, and, given a digest from policy_ledger_digest(), a chain rewritten since. Empty when all is intact. Read-only.';
