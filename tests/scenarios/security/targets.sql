-- Run as a superuser in a database with afu9_policy installed: every function and operator
-- name the extension's SQL uses (function bodies, views, rules, defaults, constraints) that
-- exists in pg_catalog or in the extension itself, one line each: "f name" (pg_catalog's),
-- "x name" (the extension's own) or "o name" (an operator). The
-- security scenario plants overloads of each, so new code is covered without a list to keep.
WITH ext AS (
    SELECT oid FROM pg_extension WHERE extname = 'afu9_policy'
), members AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), relations AS (
    SELECT objid FROM members WHERE classid = 'pg_class'::regclass
), texts AS (
    SELECT pg_get_functiondef(p.oid) AS t
      FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid AND p.prokind <> 'a'
    UNION ALL
    SELECT pg_get_viewdef(c.oid) FROM pg_class c WHERE c.oid IN (SELECT objid FROM relations) AND c.relkind = 'v'
    UNION ALL
    SELECT pg_get_ruledef(r.oid) FROM pg_rewrite r WHERE r.ev_class IN (SELECT objid FROM relations)
    UNION ALL
    SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d WHERE d.adrelid IN (SELECT objid FROM relations)
    UNION ALL
    SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
     WHERE c.conrelid IN (SELECT objid FROM relations) OR c.contypid IN (SELECT t.oid FROM pg_type t
                                                                           WHERE t.typnamespace = 'afu9_policy'::regnamespace)
), corpus AS (
    SELECT lower(string_agg(t, ' ')) AS t FROM texts
), words AS (
    SELECT DISTINCT w[1] AS word FROM corpus, regexp_matches(corpus.t, '([a-z_][a-z0-9_]*)', 'g') w
)
SELECT DISTINCT CASE WHEN p.pronamespace = 'pg_catalog'::regnamespace THEN 'f ' ELSE 'x ' END || p.proname
  FROM pg_proc p
 WHERE p.pronamespace IN ('pg_catalog'::regnamespace, 'afu9_policy'::regnamespace)
   AND p.proname IN (SELECT word FROM words)
UNION
SELECT DISTINCT 'o ' || o.oprname
  FROM pg_operator o, corpus
 WHERE o.oprnamespace = 'pg_catalog'::regnamespace AND position(o.oprname IN corpus.t) > 0
ORDER BY 1;
