-- The extension's own schema, afu9_policy (the control file names it). CREATE EXTENSION
-- creates it as the installing role, a database owner who may not be trusted with what runs
-- as superuser: the schema is taken over by the extension's owner before anything is put in
-- it, so that only the extension's own objects are ever found on its functions' search_path
-- (pg_catalog, afu9_policy, pg_temp). A schema that already holds anything is refused. Until
-- then anything may be in it, so every function and operator here is qualified.

DO $$
DECLARE
    found text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.format('%s %s', o.kind, o.name), ', ') INTO found FROM (
        SELECT 'relation' AS kind, relname::text AS name FROM pg_catalog.pg_class WHERE relnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'function', proname::text FROM pg_catalog.pg_proc WHERE pronamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'type', typname::text FROM pg_catalog.pg_type WHERE typnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'operator', oprname::text FROM pg_catalog.pg_operator WHERE oprnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'collation', collname::text FROM pg_catalog.pg_collation WHERE collnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'conversion', conname::text FROM pg_catalog.pg_conversion WHERE connamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'operator class', opcname::text FROM pg_catalog.pg_opclass WHERE opcnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'operator family', opfname::text FROM pg_catalog.pg_opfamily WHERE opfnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'text search configuration', cfgname::text FROM pg_catalog.pg_ts_config WHERE cfgnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'text search dictionary', dictname::text FROM pg_catalog.pg_ts_dict WHERE dictnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'text search parser', prsname::text FROM pg_catalog.pg_ts_parser WHERE prsnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'text search template', tmplname::text FROM pg_catalog.pg_ts_template WHERE tmplnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'statistics object', stxname::text FROM pg_catalog.pg_statistic_ext WHERE stxnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace
        UNION ALL SELECT 'extension', extname::text FROM pg_catalog.pg_extension
                   WHERE extnamespace OPERATOR(pg_catalog.=) 'afu9_policy'::regnamespace AND extname OPERATOR(pg_catalog.<>) 'afu9_policy'
    ) o;
    IF found IS NOT NULL THEN
        RAISE EXCEPTION 'cannot install afu9_policy: schema afu9_policy already holds %', found
            USING ERRCODE = 'duplicate_schema',
                  HINT = 'The extension keeps only its own objects in schema afu9_policy: move or drop the others, or drop the schema.';
    END IF;
END
$$;
-- Owned by the extension's owner (the bootstrap superuser when installed as trusted); nobody
-- else may create in it. Its objects carry their own grants.
ALTER SCHEMA afu9_policy OWNER TO CURRENT_USER;
DO $$
DECLARE
    grantee text;
BEGIN
    FOR grantee IN
        SELECT DISTINCT CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0::oid THEN 'PUBLIC'
                             ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END
          FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
         WHERE n.nspname OPERATOR(pg_catalog.=) 'afu9_policy' AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA afu9_policy FROM %s CASCADE', grantee);
    END LOOP;
END
$$;
GRANT USAGE ON SCHEMA afu9_policy TO PUBLIC;
COMMENT ON SCHEMA afu9_policy IS
    'afu9_policy: policy store, snapshot records, ledger, functions and views. Only the extension creates objects here.';
