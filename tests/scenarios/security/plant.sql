-- Run as the database owner (a non-superuser) with psql variable :targets, the output of
-- targets.sql as one string (and :aggregates false to plant no aggregates): plants, in public, overloads of every function and operator named
-- there that win wherever the catalog's own candidate needs a coercion. Each one, if it ever
-- runs, says so with a WARNING starting CANARY (a warning reaches the client even when the
-- transaction then fails). Signatures a name cannot take are skipped.
SET client_min_messages = error;
-- This script's own calls must not find what it plants.
SET search_path = pg_catalog;
-- (psql does not look into dollar quotes: the DO block reads the targets from a setting.)
SELECT set_config('afu9.targets', :'targets', false);
\if :{?aggregates}
\else
\set aggregates true
\endif
SELECT set_config('afu9.aggregates', :'aggregates', false);
CREATE OR REPLACE FUNCTION public._canary(what text) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    RAISE WARNING 'CANARY % ran as % (session %)', what, current_user, session_user;
    RETURN NULL;
END
$f$;
CREATE OR REPLACE FUNCTION public._canary_state(state anyelement, value anyelement) RETURNS anyelement
LANGUAGE plpgsql AS $f$ BEGIN PERFORM public._canary('aggregate'); RETURN state; END $f$;
CREATE OR REPLACE FUNCTION public._canary_state2(state text, a text, b text) RETURNS text
LANGUAGE plpgsql AS $f$ BEGIN PERFORM public._canary('aggregate'); RETURN state; END $f$;
DO $plant$
DECLARE
    target text;
    name text;
    sig text;
    result text;
    -- The policy_version signatures only exist once the extension (and its domain) does.
    function_sigs text[] := ARRAY['text', 'text, text', 'text, text, text', 'anyelement',
        'anyelement, anyelement', 'anycompatible, anycompatible, anycompatible', 'VARIADIC text[]',
        'numeric[]', 'jsonb', 'uuid', 'double precision, integer', 'bytea', 'afu9_policy.policy_version',
        'afu9_policy.policy_version, afu9_policy.policy_version'];
    operator_sigs text[] := ARRAY['text, text', 'anyelement, anyelement', 'numeric[], numeric[]', 'jsonb, text',
        'uuid, uuid', 'bytea, bytea', 'double precision, integer', 'integer, double precision',
        'timestamp with time zone, interval', 'afu9_policy.policy_version, afu9_policy.policy_version',
        'afu9_policy.policy_version, text'];
    n integer := 0;
BEGIN
    FOREACH target IN ARRAY string_to_array(current_setting('afu9.targets'), ',') LOOP
        name := substr(target, 3);
        IF left(target, 2) IN ('f ', 'x ') THEN
            -- An aggregate's name gets aggregates below: a plain function of that name only
            -- makes its calls fail (WITHIN GROUP, OVER), it never runs in their place.
            FOREACH sig IN ARRAY CASE WHEN EXISTS (SELECT 1 FROM pg_proc WHERE proname = name AND prokind IN ('a', 'w'))
                                      THEN '{}'::text[] ELSE function_sigs END LOOP
                result := CASE WHEN sig LIKE 'any%' THEN split_part(sig, ',', 1) ELSE 'text' END;
                BEGIN
                    EXECUTE format('CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                                   name, sig, result,
                                   format('BEGIN PERFORM public._canary(%L); RETURN NULL; END', name || '(' || sig || ')'));
                    n := n + 1;
                EXCEPTION WHEN others THEN NULL;
                END;
            END LOOP;
            IF current_setting('afu9.aggregates')::boolean
               AND EXISTS (SELECT 1 FROM pg_proc WHERE proname = name AND prokind = 'a') THEN
                BEGIN
                    EXECUTE format('CREATE AGGREGATE public.%I(anyelement) (SFUNC = public._canary_state, STYPE = anyelement)', name);
                    EXECUTE format('CREATE AGGREGATE public.%I(text, text) (SFUNC = public._canary_state2, STYPE = text)', name);
                    n := n + 2;
                EXCEPTION WHEN others THEN NULL;
                END;
            END IF;
        ELSE
            FOREACH sig IN ARRAY operator_sigs LOOP
                BEGIN
                    EXECUTE format('CREATE FUNCTION public.%I(%s) RETURNS boolean LANGUAGE plpgsql AS %L',
                                   '_canary_op_' || md5(name || sig), sig,
                                   format('BEGIN RETURN public._canary(%L); END', 'operator ' || name || '(' || sig || ')'));
                    EXECUTE format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.%I)',
                                   name, split_part(sig, ',', 1), split_part(sig, ',', 2), '_canary_op_' || md5(name || sig));
                    n := n + 1;
                EXCEPTION WHEN others THEN NULL;
                END;
            END LOOP;
        END IF;
    END LOOP;
    PERFORM set_config('client_min_messages', 'warning', false);
    RAISE WARNING 'PLANTED %', n;
END
$plant$;
