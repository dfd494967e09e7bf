-- Policies as data: each distinct policy document is stored once, addressed by the
-- SHA-256 of its canonical text (jsonb's own text form), however many runs snapshot it.

-- vMAJOR.MINOR.PATCH as numbers: published versions are ordered by this.
CREATE OR REPLACE FUNCTION policy_version_key(version text) RETURNS numeric[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.string_to_array(pg_catalog.substr(version, 2), '.')::numeric[];
COMMENT ON FUNCTION policy_version_key(text) IS
    'A version as {major, minor, patch}: ordering these orders versions (v1.10.0 after v1.9.0).';

-- 22023 for anything but vMAJOR.MINOR.PATCH (the domain's own check would say 23514).
CREATE OR REPLACE FUNCTION _check_policy_version(version text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    IF version IS NULL OR version !~ '^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$' THEN
        RAISE EXCEPTION 'invalid policy version %: must be vMAJOR.MINOR.PATCH', coalesce('"' || version || '"', 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;
COMMENT ON FUNCTION _check_policy_version(text) IS 'Internal: 22023 unless the version is vMAJOR.MINOR.PATCH.';

-- The names of templates and experiments: short, plain, safe in any message or page.
CREATE OR REPLACE FUNCTION _check_policy_name(kind text, name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    IF name IS NULL OR name !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid % name %: 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit',
                        kind, coalesce(quote_literal(name), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;
COMMENT ON FUNCTION _check_policy_name(text, text) IS 'Internal: 22023 unless a template''s or experiment''s name is 1 to 63 of A-Z a-z 0-9 . _ -, starting with a letter or digit.';

-- Documents, published versions and the activation history never change.
SELECT _make_immutable('policy_documents', 'policy documents', 'Policy documents are immutable.');
SELECT _make_immutable('policy_versions', 'published policy versions', 'Published versions are immutable.');
SELECT _make_immutable('policy_activations', 'policy activations', 'The activation history is append-only.');

-- Stores a policy document unless the same content is stored already; returns its hash.
-- As the extension: documents are content-addressed and immutable, so storing one is harmless,
-- and writers store them through the application's own policy_snapshots INSERTs.
CREATE OR REPLACE FUNCTION store_policy_document(policies jsonb) RETURNS bytea
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    doc_hash bytea;
BEGIN
    IF policies IS NULL OR jsonb_typeof(policies) <> 'object' THEN
        RAISE EXCEPTION 'a policy document must be a JSON object, got %', coalesce(jsonb_typeof(policies), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    doc_hash := sha256(convert_to(policies::text, 'UTF8'));
    INSERT INTO afu9_policy.policy_documents (hash, body) VALUES (doc_hash, policies)
    ON CONFLICT (hash) DO NOTHING;
    RETURN doc_hash;
END
$$;
COMMENT ON FUNCTION store_policy_document(jsonb) IS
    'Stores a policy document once by content (SHA-256 of its jsonb text) and returns the hash.';

-- VOLATILE on purpose: it then reads with a fresh snapshot and so sees a document stored
-- earlier in the same statement (the RETURNING of an INSERT into policy_snapshots).
CREATE OR REPLACE FUNCTION policy_document(hash bytea) RETURNS jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    SELECT body FROM afu9_policy.policy_documents d WHERE d.hash = policy_document.hash
$$;
COMMENT ON FUNCTION policy_document(bytea) IS 'The policy document stored under a hash; NULL when none is.';

-- The version in force for a scope: the repository's newest activation, else the global one.
CREATE OR REPLACE FUNCTION active_policy_version(repository_id uuid DEFAULT NULL,
                                      OUT version text, OUT document_hash bytea, OUT scope_repository_id uuid)
LANGUAGE sql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    SELECT v.version, v.document_hash, a.repository_id
      FROM afu9_policy.policy_activations a
      JOIN afu9_policy.policy_versions v ON v.id = a.policy_version_id
     WHERE a.repository_id = active_policy_version.repository_id OR a.repository_id IS NULL
     ORDER BY a.repository_id IS NULL, a.id DESC
     LIMIT 1
$$;
COMMENT ON FUNCTION active_policy_version(uuid) IS
    'The policy version in force for a repository (its own when one is active, else the global one) or, without argument, globally: version, document hash, and the scope it comes from (NULL: global). NULLs when none is active.';

-- active_policy(repository_id) is in Rust (src/active.rs): it is classify_failure's default, run per row.
