#!/usr/bin/env bash
# Security, run on a throwaway cluster (scripts/scenario.sh), from the three positions of the
# threat model: a database owner who is not a superuser, an application login holding writer
# rights, an auditor. Overloads of every function and operator the extension's SQL uses are
# planted in public before the install, after it and across the update from 0.2.0, and none may
# ever run (security/plant.sql, security/exercise.sql); rights stay in their database; writers
# find no way around the ledger; hostile input is refused or cancelled in time.
set -uo pipefail
here=$(dirname "$0")
source "$here/lib.sh"
sec=$here/security
pw=afu9-scenario
for r in owner owner_b writer writer_b auditor; do
    q postgres "DROP ROLE IF EXISTS sec_$r; CREATE ROLE sec_$r LOGIN PASSWORD '$pw'" >/dev/null
done
# As a login of its own (session_user is that role), never SET ROLE from a superuser.
as() { # role, db, psql arguments...
    local role=$1 db=$2; shift 2
    psql -XAtq "dbname=$db user=sec_$role password=$pw" "$@"
}
sqlstate() { sed -n 's/^\(psql:[^ ]* \)\{0,1\}ERROR:  \([0-9A-Z]\{5\}\).*/\2/p' | head -1; }
refuses() { # name, expected SQLSTATE, role, db, statement
    local state
    # (The statement's own calls must not find what the owner planted in public.)
    state=$(as "$3" "$4" -v VERBOSITY=sqlstate -c "SET search_path = pg_catalog" -c "$5" 2>&1 >/dev/null | sqlstate)
    check "$1" "$2" "$state"
}
# The names to plant, taken from a fresh install's own SQL.
createdb sec_reference && q sec_reference "CREATE EXTENSION afu9_policy" >/dev/null
targets=$(psql -XAtq -d sec_reference -f "$sec/targets.sql" | paste -sd, -)
check "the extension's SQL names functions and operators to plant" "t" \
    "$(q postgres "SELECT cardinality(string_to_array('$targets', ',')) > 100")"
plant() { # db [targets [aggregates]]: as its owner; prints how many it planted
    as owner "$1" -v targets="${2:-$targets}" -v aggregates="${3:-true}" -f "$sec/plant.sql" 2>&1 |
        sed -n 's/.*PLANTED \([0-9]*\).*/\1/p'
}
# Every role's exercise; the output of all three must hold no CANARY and no error.
exercise() { # db, label
    local out run=00000000-0000-4000-8000-0000000000$(printf '%02d' $((RANDOM % 100)))
    out=$( {
        as owner "$1" -v is_owner=true -v is_writer=false -v run="$run" -v repo=00000000-0000-4000-8000-00000000aaaa \
            -v writer=sec_writer -v auditor=sec_auditor -f "$sec/exercise.sql"
        as writer "$1" -v is_owner=false -v is_writer=true -v run="$run" -v repo=00000000-0000-4000-8000-00000000aaaa \
            -f "$sec/exercise.sql"
        as auditor "$1" -v is_owner=false -v is_writer=false -v run="$run" -v repo=00000000-0000-4000-8000-00000000aaaa \
            -f "$sec/exercise.sql"
        # A superuser reading the views with nothing but pg_catalog on its search_path.
        psql -XAtq -d "$1" -v ON_ERROR_STOP=1 -o /dev/null -c "SET search_path = pg_catalog" \
            -c "SELECT * FROM afu9_policy.verdict_audits" -c "SELECT * FROM afu9_policy.policy_kpis" \
            -c "SELECT * FROM afu9_policy.policy_history" -c "SELECT * FROM afu9_policy.policy_version_stats" \
            -c "SELECT * FROM public.policy_snapshots" -c "SELECT * FROM afu9_policy.verify_policy_ledger()"
    } 2>&1 )
    check "$2: no planted function or operator ran" "" "$(echo "$out" | grep CANARY | sort -u | head -5)"
    check "$2: every statement succeeded" "" "$(echo "$out" | grep -E 'ERROR|FATAL' | head -5)"
}
new_db() { # name, owner
    createdb -O "sec_$2" "$1"
    q "$1" "GRANT CREATE ON DATABASE $1 TO sec_$2" >/dev/null
}

# 1. Planted before CREATE EXTENSION: nothing may be bound into the extension for good.
new_db sec_before owner
check "overloads planted before the install" "t" "$(q postgres "SELECT $(plant sec_before) > 1000")"
as owner sec_before -c "CREATE EXTENSION afu9_policy" >/dev/null
exercise sec_before "planted before the install"

# 2. Planted after it.
new_db sec_after owner
as owner sec_after -c "CREATE EXTENSION afu9_policy" >/dev/null
check "overloads planted after the install" "t" "$(q postgres "SELECT $(plant sec_after) > 1000")"
exercise sec_after "planted after the install"
refuses "the owner cannot create in the extension's schema" 42501 owner sec_after \
    "CREATE FUNCTION afu9_policy.policy_version_key(afu9_policy.policy_version) RETURNS numeric[] LANGUAGE sql AS 'SELECT NULL::numeric[]'"
refuses "the owner cannot switch off a guard of the extension's tables" 42501 owner sec_after \
    "ALTER TABLE afu9_policy.policy_snapshot_records DISABLE TRIGGER policy_snapshot_records_reject_update"
# The application's tables are the owner's: it can switch a guard off there. Against the owner
# that is detected, not refused: a sealed verdict it changes shows in verify_policy_ledger().
as owner sec_after -c "SELECT afu9_policy.seal_policy_ledger()" >/dev/null
check "the owner's change to a sealed verdict is detected" "1" "$(as owner sec_after \
    -c "ALTER TABLE public.verdicts DISABLE TRIGGER verdicts_reject_update" \
    -c "UPDATE public.verdicts SET confidence_score = 1 WHERE id = (SELECT id FROM public.verdicts ORDER BY ledger_seq LIMIT 1)" \
    -c "ALTER TABLE public.verdicts ENABLE ALWAYS TRIGGER verdicts_reject_update" \
    -c "SELECT count(*) FROM afu9_policy.verify_policy_ledger() WHERE kind = 'content changed'" 2>&1 | tail -1)"
# A view of the owner's in place of the verdicts table: sealing, which runs as the extension's
# owner, refuses to read it, so the owner's function never runs as a superuser.
new_db sec_swap owner && as owner sec_swap -c "CREATE EXTENSION afu9_policy" >/dev/null
as owner sec_swap -c "ALTER TABLE public.verdicts RENAME TO verdicts_kept" \
    -c "CREATE FUNCTION public.escalate() RETURNS int LANGUAGE plpgsql AS \$\$ BEGIN ALTER ROLE sec_owner SUPERUSER; RETURN 1; END \$\$" \
    -c "CREATE VIEW public.verdicts AS SELECT v.*, public.escalate() AS trap FROM public.verdicts_kept v" >/dev/null
refuses "sealing refuses a view in place of the verdicts table" 42809 owner sec_swap "SELECT afu9_policy.seal_policy_ledger()"
check "the owner's function did not run as a superuser" "f" "$(q postgres "SELECT rolsuper FROM pg_roles WHERE rolname = 'sec_owner'")"
refuses "the owner cannot replace a function of the extension" 42501 owner sec_after \
    "CREATE OR REPLACE FUNCTION afu9_policy.active_policy(repository_id uuid) RETURNS jsonb LANGUAGE sql AS 'SELECT NULL::jsonb'"

refuses "the owner cannot rename public away from under the guarded tables" 42501 owner sec_after \
    "ALTER SCHEMA public RENAME TO old_public"
check "public is still where the runs are" "public" \
    "$(q sec_after "SELECT relnamespace::regnamespace FROM pg_class WHERE oid = 'public.workflow_executions'::regclass")"

# A schema named afu9_policy made beforehand, holding anything, is refused at install.
new_db sec_squat owner
as owner sec_squat -c "CREATE SCHEMA afu9_policy" \
    -c "CREATE FUNCTION afu9_policy.policy_version_key(text) RETURNS numeric[] LANGUAGE sql AS 'SELECT NULL::numeric[]'"
refuses "an install into a schema that already holds objects" 42P06 owner sec_squat "CREATE EXTENSION afu9_policy"

# 3. Across the update: 0.2.0, installed by the owner with overloads in place, then updated.
new_db sec_update owner
# 0.2.0 lived in public: overloads of its own names, or aggregates that make its calls
# ambiguous, would stop its install; the catalog's functions and operators bind silently.
plant sec_update "$(echo "$targets" | tr , '\n' | grep -v '^x ' | paste -sd, -)" false >/dev/null
as owner sec_update -c "CREATE EXTENSION afu9_policy VERSION '0.2.0'" \
    -c "GRANT afu9_policy_writer TO sec_writer_b" >/dev/null
check "0.2.0 made the owner an admin of a cluster-wide role" "t" \
    "$(q postgres "SELECT pg_has_role('sec_owner', 'afu9_policy_writer', 'MEMBER')")"
check "the owner updates it" "" "$(as owner sec_update -c "ALTER EXTENSION afu9_policy UPDATE" 2>&1 | grep ERROR)"
plant sec_update >/dev/null
check "updated to the new version by the owner" "$(q postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'afu9_policy'")" \
    "$(q sec_update "SELECT extversion FROM pg_extension WHERE extname = 'afu9_policy'")"
exercise sec_update "planted before 0.2.0, then updated"
check "the update took the owner's membership of the cluster-wide roles" "false false" \
    "$(q postgres "SELECT pg_has_role('sec_owner', 'afu9_policy_writer', 'MEMBER') || ' ' || pg_has_role('sec_owner', 'afu9_policy_auditor', 'MEMBER')")"
# From PostgreSQL 16 the member's membership depended on the owner's (it granted it); the
# update keeps it, for the databases still on 0.2.0.
check "a member the owner had granted the old writer role stays a member" "t" \
    "$(q postgres "SELECT pg_has_role('sec_writer_b', 'afu9_policy_writer', 'MEMBER')")"
check "a member of the old writer role keeps writing, by a grant of its own" "1" \
    "$(as writer_b sec_update -c "INSERT INTO public.workflow_executions (workflow_id) VALUES ('wf') RETURNING 1")"
check "the old writer role holds nothing in the database any more" "0" \
    "$(q sec_update "SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a WHERE a.grantee = 'afu9_policy_writer'::regrole")"

# 4. Rights stay in their database.
new_db sec_b owner_b
as owner_b sec_b -c "CREATE EXTENSION afu9_policy" >/dev/null
as owner_b sec_b -c "SELECT afu9_policy.grant_policy_writer('sec_writer_b')" >/dev/null
refuses "another database's owner cannot grant here" 42501 owner sec_b "SELECT afu9_policy.grant_policy_writer('sec_writer')"
refuses "another database's owner cannot take rights away here" 42501 owner sec_b "SELECT afu9_policy.revoke_policy_writer('sec_writer_b')"
refuses "another database's writer cannot insert runs here" 42501 writer sec_b "INSERT INTO public.workflow_executions (workflow_id) VALUES ('wf')"
refuses "another database's writer cannot read runs here" 42501 writer sec_b "SELECT * FROM public.workflow_executions"
check "installing granted no role to anyone" "" \
    "$(q postgres "SELECT string_agg(r.rolname || ' to ' || pg_get_userbyid(m.member), ', ') FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE pg_get_userbyid(m.member) IN ('sec_owner_b')")"

# 5. A writer finds no way around the ledger, the windows or the guards.
w() { refuses "a writer cannot $1" 42501 writer sec_after "$2"; }
w "number the ledger itself" "INSERT INTO public.verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action, ledger_seq) OVERRIDING SYSTEM VALUE SELECT id, 'f', 'UNKNOWN', 's', 50, 'OPEN_ISSUE', 9000000000000000000 FROM public.workflow_executions LIMIT 1"
w "backdate a verdict" "INSERT INTO public.verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action, created_at) SELECT id, 'f', 'UNKNOWN', 's', 50, 'OPEN_ISSUE', now() - interval '1 year' FROM public.workflow_executions LIMIT 1"
w "backdate a run" "INSERT INTO public.workflow_executions (workflow_id, created_at) VALUES ('wf', now() - interval '1 year')"
w "name a run's snapshot" "INSERT INTO public.workflow_executions (workflow_id, policy_snapshot_id) VALUES ('wf', gen_random_uuid())"
w "update a verdict" "UPDATE public.verdicts SET confidence_score = 1"
w "delete a run" "DELETE FROM public.workflow_executions"
w "truncate the ledger" "TRUNCATE afu9_policy.policy_ledger"
w "write a snapshot record" "INSERT INTO afu9_policy.policy_snapshot_records (version, document_hash) VALUES ('v1.0.0', '\\x00')"
w "switch off the guards" "SET session_replication_role = replica"
w "disable a trigger" "ALTER TABLE public.workflow_executions DISABLE TRIGGER take_policy_snapshot"
w "publish a policy" "SELECT afu9_policy.publish_policy('v9.0.0', afu9_policy.active_policy())"
w "grant itself more" "SELECT afu9_policy.grant_policy_writer('sec_auditor')"
w "call the rights helper" "SELECT afu9_policy._change_policy_rights('GRANT', 'writer', 'sec_auditor')"
check "attribution: the acting login published" "sec_owner" \
    "$(q sec_after "SET search_path = pg_catalog; SELECT published_by FROM afu9_policy.policy_versions WHERE version = 'v1.1.0'")"

# 6. Hostile input: refused by size, or cancelled by statement_timeout within 100 ms of it.
refuses "signals over the limit are refused" 54000 writer sec_after \
    "SELECT afu9_policy.classify_failure(jsonb_build_array(jsonb_build_object('resourceType', 'R', 'statusReason', repeat('x ', 600000))))"
start=$(date +%s%N)
state=$(as writer sec_after -v VERBOSITY=sqlstate -c "SET search_path = pg_catalog" -c "SET statement_timeout = '200ms'" \
    -c "SELECT count(*) FROM generate_series(1, 100000) i, afu9_policy.classify_failure(jsonb_build_array(jsonb_build_object('resourceType', 'R', 'statusReason', (SELECT string_agg('w' || j, ' ') FROM generate_series(1, 100000) j)))) c" 2>&1 | sqlstate)
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "a classification at the size limit is cancelled by statement_timeout" "57014" "$state"
# 200 ms of timeout, 100 ms to act on it, and psql's start: well under a second.
check "the cancel took effect within 100 ms (plus connecting): ${elapsed} ms in all" "t" "$(q postgres "SELECT $elapsed < 200 + 100 + 400")"

for db in sec_reference sec_before sec_after sec_squat sec_update sec_b; do dropdb "$db"; done
for r in owner owner_b writer writer_b auditor; do
    for db in postgres; do q "$db" "DROP OWNED BY sec_$r" >/dev/null; done
    q postgres "DROP ROLE sec_$r" >/dev/null
done
finish security
