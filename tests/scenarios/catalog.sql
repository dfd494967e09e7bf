-- Everything the extension installed, described without OIDs, one line per fact: an upgraded
-- installation and a fresh one must print the same lines.
WITH members AS (
    SELECT classid, objid FROM pg_depend
     WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
       AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'afu9_policy')
)
SELECT line FROM (
    SELECT pg_describe_object(classid, objid, 0) || ' | comment: ' || coalesce(obj_description(objid, classid::regclass::text), '-') AS line
      FROM members
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure || ' | ' || pg_get_functiondef(p.oid) || ' | acl: ' || coalesce(p.proacl::text, '-')
      FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid AND p.prokind <> 'a'
    UNION ALL
    SELECT 'relation ' || c.oid::regclass || ' | ' || c.relkind::text || ' | acl: ' || coalesce(c.relacl::text, '-')
      FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    UNION ALL
    SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || ' ' || a.attidentity::text || a.attgenerated::text
           || ' default: ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
           || ' | comment: ' || coalesce(col_description(a.attrelid, a.attnum), '-')
      FROM members m JOIN pg_attribute a ON m.classid = 'pg_class'::regclass AND a.attrelid = m.objid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'view ' || c.oid::regclass || ' | ' || pg_get_viewdef(c.oid)
      FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid AND c.relkind = 'v'
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid)
      FROM members m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid
    UNION ALL
    SELECT 'constraint ' || conrelid::regclass || '.' || conname || ' ' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE conrelid IN (SELECT objid FROM members WHERE classid = 'pg_class'::regclass)
    UNION ALL
    SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' | enabled: ' || t.tgenabled::text
           || ' | comment: ' || coalesce(obj_description(t.oid, 'pg_trigger'), '-')
      FROM pg_trigger t WHERE NOT t.tgisinternal
       AND t.tgrelid IN (SELECT objid FROM members WHERE classid = 'pg_class'::regclass)
    UNION ALL
    SELECT 'rule ' || pg_get_ruledef(r.oid)
      FROM pg_rewrite r WHERE r.rulename <> '_RETURN'
       AND r.ev_class IN (SELECT objid FROM members WHERE classid = 'pg_class'::regclass)
    UNION ALL
    SELECT 'extension schema ' || n.nspname || ' | owner: ' || pg_get_userbyid(n.nspowner)
           || ' | acl: ' || coalesce(n.nspacl::text, '-') || ' | comment: ' || coalesce(obj_description(n.oid, 'pg_namespace'), '-')
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'afu9_policy'
    UNION ALL
    -- Each table with its own condition: their order in the arrays is that of registration.
    SELECT 'config table ' || u.rel::regclass || ' | ' || coalesce(u.condition, '-')
      FROM pg_extension, unnest(extconfig, extcondition) AS u(rel, condition) WHERE extname = 'afu9_policy'
) facts
ORDER BY line;
