-- Every table, view, column, function, trigger and rule of the extension, and of what it
-- creates for the application, has a comment.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

CREATE TEMP VIEW uncommented AS
WITH members AS (
    SELECT classid, objid FROM pg_depend
     WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
       AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'afu9_policy')
    UNION
    -- What it creates for the application on a fresh database: the application's, commented by it.
    SELECT 'pg_class'::regclass, c.oid FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace
       AND c.relname IN ('workflow_executions', 'verdicts', 'policy_snapshots', 'executions_with_policy',
                         'verdicts_with_policy', 'verdict_statistics')
)
SELECT pg_describe_object(m.classid, m.objid, 0) AS without_comment
  FROM members m
 WHERE m.classid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass)
   AND NOT (m.classid = 'pg_class'::regclass AND (SELECT relkind FROM pg_class WHERE oid = m.objid) IN ('i', 'S'))
   AND NOT (m.classid = 'pg_type'::regclass AND (SELECT typtype FROM pg_type WHERE oid = m.objid) <> 'd')
   AND obj_description(m.objid, (SELECT relname FROM pg_class WHERE oid = m.classid)) IS NULL
UNION ALL
SELECT format('column %s.%s', c.relname, a.attname)
  FROM members m
  JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid AND c.relkind IN ('r', 'v')
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE col_description(c.oid, a.attnum) IS NULL AND c.relkind = 'r'
UNION ALL
SELECT format('trigger %s on %s', t.tgname, t.tgrelid::regclass)
  FROM pg_trigger t JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = t.tgrelid
 WHERE NOT t.tgisinternal AND obj_description(t.oid, 'pg_trigger') IS NULL
UNION ALL
SELECT format('rule %s on %s', r.rulename, r.ev_class::regclass)
  FROM pg_rewrite r JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = r.ev_class
 WHERE r.rulename <> '_RETURN' AND obj_description(r.oid, 'pg_rewrite') IS NULL
ORDER BY 1;
-- PostgreSQL 17 and later also record each table's and view's row type and each array type as
-- members; those come with their relation or element type, so they are not counted.
SELECT count(*) AS extension_objects FROM pg_depend d
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'afu9_policy')
   AND NOT (d.classid = 'pg_type'::regclass AND EXISTS (
            SELECT FROM pg_type t WHERE t.oid = d.objid
               AND (EXISTS (SELECT FROM pg_type e WHERE e.typarray = t.oid)
                    OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) IN ('r', 'v'))));
SELECT * FROM uncommented;
-- The check finds a missing comment.
COMMENT ON FUNCTION iso8601(timestamptz) IS NULL;
COMMENT ON COLUMN verdicts.signals IS NULL;
SELECT * FROM uncommented;
