
-- The extension's watch over the application's tables, as on a fresh install: the design's
-- views in public (the application's now), triggers, foreign keys, indexes.
SELECT afu9_policy._govern_application_tables();
SELECT afu9_policy._create_application_views();

-- Rights: 0.2.0 created the cluster-wide roles afu9_policy_writer and afu9_policy_auditor and
-- granted them WITH ADMIN OPTION to every installer, so the owner of any database reached every
-- other one. Their members keep their rights in this database, granted to them directly; the
-- roles lose every right here, and the installer its membership (they are left for other
-- databases' updates; DROP ROLE them once no database uses them).
DO $$
DECLARE
    installer pg_catalog.regrole := (SELECT extowner FROM pg_catalog.pg_extension
                                      WHERE extname OPERATOR(pg_catalog.=) 'afu9_policy');
    member record;
    object text;
BEGIN
    FOR member IN
        SELECT m.member::pg_catalog.regrole AS role, r.rolname
          FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) m.roleid
         WHERE r.rolname OPERATOR(pg_catalog.=) ANY ('{afu9_policy_writer,afu9_policy_auditor}'::name[])
           AND m.member OPERATOR(pg_catalog.<>) installer
    LOOP
        PERFORM afu9_policy._change_policy_rights(
            'GRANT', CASE member.rolname WHEN 'afu9_policy_writer' THEN 'writer' ELSE 'auditor' END, member.role);
        RAISE NOTICE 'afu9_policy: % is now a policy % of this database by a grant of its own (it was a member of %)',
            member.role, CASE member.rolname WHEN 'afu9_policy_writer' THEN 'writer' ELSE 'auditor' END, member.rolname;
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'afu9_policy_writer') THEN
        -- Only where they hold something: a REVOKE elsewhere would write out the default ACL.
        FOR object IN
            SELECT pg_catalog.format('TABLE %s', c.oid::pg_catalog.regclass)
              FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
             WHERE pg_catalog.pg_get_userbyid(a.grantee) OPERATOR(pg_catalog.=) ANY
                   ('{afu9_policy_writer,afu9_policy_auditor}'::name[])
            UNION
            SELECT pg_catalog.format('FUNCTION %s', p.oid::pg_catalog.regprocedure)
              FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
             WHERE pg_catalog.pg_get_userbyid(a.grantee) OPERATOR(pg_catalog.=) ANY
                   ('{afu9_policy_writer,afu9_policy_auditor}'::name[])
        LOOP
            EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM afu9_policy_writer, afu9_policy_auditor', object);
        END LOOP;
    END IF;
    -- From PostgreSQL 16 a membership the installer granted (by its ADMIN OPTION) depends on
    -- the installer's own, whose REVOKE then fails ("dependent privileges exist"); CASCADE would
    -- take it from the member in every database. So the bootstrap superuser (who runs this
    -- script) grants it again, with the same options, and the installer's grant goes.
    IF pg_catalog.current_setting('server_version_num')::integer OPERATOR(pg_catalog.>=) 160000 THEN
        FOR member IN
            EXECUTE $q$
            SELECT r.rolname, m.member::pg_catalog.regrole AS role, m.admin_option, m.inherit_option, m.set_option
              FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) m.roleid
             WHERE r.rolname OPERATOR(pg_catalog.=) ANY ('{afu9_policy_writer,afu9_policy_auditor}'::name[])
               AND m.grantor OPERATOR(pg_catalog.=) $1 AND m.member OPERATOR(pg_catalog.<>) $1$q$ USING installer
        LOOP
            EXECUTE pg_catalog.format('GRANT %I TO %s WITH ADMIN %s, INHERIT %s, SET %s GRANTED BY %I',
                member.rolname, member.role, member.admin_option::text, member.inherit_option::text, member.set_option::text,
                (SELECT rolname FROM pg_catalog.pg_roles WHERE oid OPERATOR(pg_catalog.=) 10));
            EXECUTE pg_catalog.format('REVOKE %I FROM %s GRANTED BY %s', member.rolname, member.role, installer);
        END LOOP;
    END IF;
    FOR member IN
        SELECT r.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) m.roleid
         WHERE r.rolname OPERATOR(pg_catalog.=) ANY ('{afu9_policy_writer,afu9_policy_auditor}'::name[])
           AND m.member OPERATOR(pg_catalog.=) installer
    LOOP
        EXECUTE pg_catalog.format('REVOKE %I FROM %s', member.rolname, installer);
    END LOOP;
END
$$;
