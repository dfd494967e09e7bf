-- A fresh database gets the AFU-9 design's runs and verdicts, as the application's own tables.
-- A restore brings its own after CREATE EXTENSION: pg_dump's scripts and pg_restore set
-- row_security = off, and then nothing is created (an extension script cannot see more of
-- its caller: PostgreSQL sets its other settings, such as check_function_bodies, itself).
SELECT afu9_policy._create_application_tables()
 WHERE pg_catalog.current_setting('row_security')::boolean;
