-- Comments on the functions written in Rust: pgrx creates them without one.
COMMENT ON FUNCTION acting_role() IS
    'The role that acts: the login, or the role it switched to with SET ROLE; unlike current_user, the same inside a SECURITY DEFINER function. Recorded as published_by, activated_by and a snapshot''s created_by.';
COMMENT ON FUNCTION snapshot_failure_mode() IS
    'The effective afu9_policy.on_snapshot_failure setting: error (default) or warn.';
COMMENT ON FUNCTION normalize_confidence(double precision) IS
    'round_half_up(raw * 100) as an integer 0..100, in double precision; 22023 "Invalid confidence: <raw>. Must be between 0 and 1." outside 0..1 or NaN.';
-- One row per call, not the 1000 PostgreSQL assumes of a set-returning function: plans over
-- many calls are costed as what they are (no JIT compiling for a million imagined rows).
ALTER FUNCTION classify_failure(jsonb, jsonb) ROWS 1;
ALTER FUNCTION replay_classification(jsonb, jsonb) ROWS 1;
COMMENT ON FUNCTION classify_failure(jsonb, jsonb) IS
    'Classifies failure signals (a JSON array of objects with string resourceType and statusReason) under a policy, by default the active one: error_class, service, confidence_score, proposed_action, playbook_id, fingerprint_id, tokens, verdict_type. Deterministic; 22023 for malformed signals or an invalid policy.';
COMMENT ON FUNCTION replay_classification(jsonb, jsonb) IS
    'classify_failure for replays: no row instead of an error when the signals or the policy cannot be used.';
COMMENT ON FUNCTION verdict_replay_issues(jsonb, jsonb, text, integer, text, text) IS
    'Re-classifies stored signals under a snapshot''s policy and names each difference from the stored class, score, action and fingerprint ("Replay mismatch: ..."), or why the replay could not run.';
COMMENT ON FUNCTION verdict_audit_issues(uuid, uuid, jsonb, jsonb, text, integer, text, text) IS
    'An audit''s issues: the verdict''s snapshot id against the snapshot''s, AFU-9''s checks of score, class (a playbook of the document), action and signals, then verdict_replay_issues unless the class''s playbook is a plain string (AFU-9''s own documents). Empty when compliant.';
COMMENT ON FUNCTION active_policy(uuid) IS
    'The complete policy document new runs of a repository (or, without argument, of no repository) are snapshotted with; NULL when none is active. Looked up once per statement snapshot and role.';
COMMENT ON FUNCTION validate_policy(jsonb) IS
    'Checks a policy document as publish_policy does: true, or 22023 naming the JSON path and the reason of the first problem.';

-- Triggers and rules.
COMMENT ON TRIGGER policy_snapshot_records_reject_update ON policy_snapshot_records IS 'Snapshots are immutable.';
COMMENT ON TRIGGER policy_snapshot_records_reject_truncate ON policy_snapshot_records IS 'Snapshots are immutable.';
COMMENT ON TRIGGER policy_snapshot_records_guard_delete ON policy_snapshot_records IS 'No snapshot a verdict references is deleted, also when foreign keys are skipped.';
