-- pg_dump skips extension tables unless they are registered: register every table that
-- holds user data (the application's runs and verdicts are not the extension's: pg_dump keeps
-- them like any table). Rows written by CREATE EXTENSION itself (policy v1.0.0 and its first
-- activation) are left out, since a restore's CREATE EXTENSION writes them again.
SELECT pg_catalog.pg_extension_config_dump('afu9_policy.policy_documents',
           pg_catalog.format('WHERE hash <> %L', v.document_hash))
  FROM afu9_policy.policy_versions v WHERE v.id = 1;
SELECT pg_catalog.pg_extension_config_dump('afu9_policy.policy_versions', 'WHERE id > 1');
SELECT pg_catalog.pg_extension_config_dump('afu9_policy.policy_versions_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('afu9_policy.policy_activations', 'WHERE id > 1');
SELECT pg_catalog.pg_extension_config_dump('afu9_policy.policy_activations_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('afu9_policy.policy_snapshot_records', '');
SELECT pg_catalog.pg_extension_config_dump('afu9_policy.policy_ledger', '');
-- The identity sequences, so that a restore goes on numbering after the restored rows
-- (one statement each: pg_extension_config_dump updates the same catalog row every time).
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('afu9_policy.policy_snapshot_records', 'ledger_seq')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('afu9_policy.policy_versions', 'ledger_seq')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump('afu9_policy.verdict_ledger_seq', '');
