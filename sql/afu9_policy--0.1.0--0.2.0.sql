-- afu9_policy 0.1.0 -> 0.2.0 (ALTER EXTENSION afu9_policy UPDATE).
\echo Use "ALTER EXTENSION afu9_policy UPDATE" to load this file. \quit

-- The snapshot trigger moves from plpgsql to Rust (src/snapshot.rs): plans kept per backend,
-- the active version looked up once per statement snapshot. CREATE OR REPLACE keeps the
-- function's owner, grants and comment; SECURITY DEFINER must be restated, and the pinned
-- search_path goes (the Rust queries name the schema).
CREATE OR REPLACE FUNCTION take_policy_snapshot() RETURNS trigger
    LANGUAGE c SECURITY DEFINER
    AS 'MODULE_PATHNAME', 'take_policy_snapshot_wrapper';
