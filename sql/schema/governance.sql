-- The extension takes up its watch over the application's tables: those created above, or
-- AFU-9's, whose snapshots it adopts; then, on a fresh database, the design's views over them.
-- The ledger needs nothing here: adopted snapshots are numbered before any new one, and
-- verdicts stored before have none, so the first seal chains that history first.
SELECT afu9_policy._govern_application_tables();
SELECT afu9_policy._create_application_views()
 WHERE pg_catalog.current_setting('row_security')::boolean;
