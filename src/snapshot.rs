//! The snapshot trigger: every inserted run gets its own snapshot of the policy active for its
//! repository, written into the run's own row: a new snapshot id, the policy version (which names
//! the document by hash), when and by whom it was taken. It reads only the extension's small
//! policy tables and writes no other table (so that it also runs on a Citus worker's shard). Its
//! queries are prepared once per backend, and the active version is looked up once per statement
//! snapshot (all rows of one INSERT see the version active when it began), not once per row.
//! While a policy experiment runs in the run's scope, the run gets the arm its id falls in.

use crate::experiment::Experiment;
use crate::settings::{SnapshotFailure, ON_SNAPSHOT_FAILURE};
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::PgTupleDesc;
use std::cell::RefCell;
use std::collections::HashMap;
use std::convert::Infallible;
use std::ffi::CString;
use std::rc::Rc;

/// What decides a scope's runs, for one visibility key: an experiment running there, else the
/// version it has active (policy_versions.id).
#[derive(Clone)]
enum Active {
    Version(i64),
    Experiment(Rc<Experiment>),
}

/// Plans kept for the backend's life, for the schema the extension lives in.
#[derive(Clone, Copy)]
struct Plans {
    namespace: pg_sys::Oid,
    scoped: pg_sys::SPIPlanPtr,
    global: pg_sys::SPIPlanPtr,
    arms: pg_sys::SPIPlanPtr,
    taken_for: pg_sys::SPIPlanPtr,
}

/// What decides which activations a query can see: within a transaction, two snapshots with
/// the same xmin, xmax and number of running transactions list the same running transactions
/// (ids below xmax are never handed out again, so that list only shrinks), and curcid covers
/// the transaction's own changes.
#[derive(Clone, Copy, PartialEq)]
pub(crate) struct VisibilityKey {
    lxid: pg_sys::LocalTransactionId,
    xmin: pg_sys::TransactionId,
    xmax: pg_sys::TransactionId,
    xcnt: u32,
    curcid: pg_sys::CommandId,
}

/// Active versions by repository (None = the global scope), valid for one visibility key, and
/// the acting role's name for it.
struct ActiveCache {
    key: Option<VisibilityKey>,
    by_repository: HashMap<Option<[u8; 16]>, Option<Active>>,
    actor: Option<(pg_sys::Oid, String)>,
}

/// A bulk insert over many repositories should not grow the cache without bound.
const CACHE_LIMIT: usize = 4096;

thread_local! {
    static PLANS: RefCell<Option<Plans>> = const { RefCell::new(None) };
    static CACHE: RefCell<ActiveCache> =
        RefCell::new(ActiveCache { key: None, by_repository: HashMap::new(), actor: None });
}

/// The columns the trigger reads and writes, by attribute number, with the types they must have.
struct Columns {
    id: i32,
    repository_id: i32,
    snapshot_id: i32,
    version_id: i32,
    taken_at: i32,
    taken_by: i32,
    experiment_arm_id: i32,
}

impl Columns {
    /// Looked up per call (a short scan of the row's attributes): the application may alter its table.
    unsafe fn of(relation: pg_sys::Relation) -> Columns {
        let desc = (*relation).rd_att;
        let find = |name: &std::ffi::CStr, type_oid: pg_sys::Oid| {
            let n = pg_sys::SPI_fnumber(desc, name.as_ptr());
            let found = n > 0 && pg_sys::SPI_gettypeid(desc, n) == type_oid;
            if !found {
                let table = std::ffi::CStr::from_ptr((*(*relation).rd_rel).relname.data.as_ptr());
                misuse(&format!("{} has no column {} of type {}", table.to_string_lossy(), name.to_string_lossy(),
                                std::ffi::CStr::from_ptr(pg_sys::format_type_be(type_oid)).to_string_lossy()));
            }
            n
        };
        Columns {
            id: find(c"id", pg_sys::UUIDOID),
            repository_id: find(c"repository_id", pg_sys::UUIDOID),
            snapshot_id: find(c"policy_snapshot_id", pg_sys::UUIDOID),
            version_id: find(c"policy_version_id", pg_sys::INT8OID),
            taken_at: find(c"policy_snapshot_taken_at", pg_sys::TIMESTAMPTZOID),
            taken_by: find(c"policy_snapshot_taken_by", pg_sys::TEXTOID),
            experiment_arm_id: find(c"policy_experiment_arm_id", pg_sys::INT8OID),
        }
    }
}

/// BEFORE INSERT on workflow_executions (SECURITY DEFINER, see sql/schema/access.sql). It works on
/// the raw row: one heap_modify_tuple_by_cols for the five columns, since it runs once per run.
#[pg_trigger]
fn take_policy_snapshot<'a>(
    trigger: &'a PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, Infallible> {
    let before_insert = matches!(trigger.when(), Ok(PgTriggerWhen::Before))
        && matches!(trigger.op(), Ok(PgTriggerOperation::Insert))
        && matches!(trigger.level(), PgTriggerLevel::Row);
    if !before_insert {
        misuse("it must be a BEFORE INSERT trigger FOR EACH ROW");
    }
    let data = trigger.trigger_data();
    let (tuple, desc) = (data.tg_trigtuple, unsafe { (*data.tg_relation).rd_att });
    let columns = unsafe { Columns::of(data.tg_relation) };
    let uuid = |n: i32| unsafe {
        let mut null = false;
        let datum = pg_sys::SPI_getbinval(tuple, desc, n, &mut null);
        pgrx::Uuid::from_datum(datum, null)
    };
    let run_id = uuid(columns.id);
    // The snapshot tables live where this function does: the extension's schema.
    let namespace = unsafe { pg_sys::get_func_namespace(trigger.trigger().tgfoid) };
    let row = |values: [Option<pg_sys::Datum>; 5]| unsafe {
        let mut cols = [columns.snapshot_id, columns.version_id, columns.taken_at, columns.taken_by,
                        columns.experiment_arm_id];
        let mut datums = values.map(|v| v.unwrap_or(pg_sys::Datum::from(0)));
        let mut nulls = values.map(|v| v.is_none());
        let modified = pg_sys::heap_modify_tuple_by_cols(
            tuple, desc, 5, cols.as_mut_ptr(), datums.as_mut_ptr(), nulls.as_mut_ptr(),
        );
        Ok(Some(PgHeapTuple::from_heap_tuple(PgTupleDesc::from_pg_unchecked(desc), modified)))
    };
    if let Some(named) = uuid(columns.snapshot_id) {
        // A row replayed by replication (a standby's apply, a Citus shard move) carries the
        // snapshot taken on its origin: it keeps it.
        if unsafe { pg_sys::SessionReplicationRole } == pg_sys::SESSION_REPLICATION_ROLE_REPLICA as i32 {
            return Ok(Some(unsafe { PgHeapTuple::from_heap_tuple(PgTupleDesc::from_pg_unchecked(desc), tuple) }));
        }
        // A run that names a stored snapshot keeps it, if it was taken for this very run: no
        // run may carry another's, or one left behind by an INSERT that did not happen. Only a
        // snapshot the trigger takes is written into the row.
        with_spi(|| check_taken_for(plans(namespace), named, run_id));
        return row([named.into_datum(), None, None, None, None]);
    }

    let decided = active_version(namespace, uuid(columns.repository_id)).map(|active| match active {
        Active::Version(version_id) => (version_id, None),
        Active::Experiment(experiment) => {
            let (arm, version_id) = experiment.assign(run_id.as_ref());
            (version_id, Some(arm))
        }
    });
    match decided {
        Some((version_id, arm)) => row([
            snapshot_uuid().into_datum(),
            version_id.into_datum(),
            taken_at().into_datum(),
            actor().into_datum(),
            arm.into_datum(),
        ]),
        None => {
            no_active_policy(run_id);
            Ok(Some(unsafe { PgHeapTuple::from_heap_tuple(PgTupleDesc::from_pg_unchecked(desc), tuple) }))
        }
    }
}

/// A version 7 UUID (RFC 9562): milliseconds since 1970, then random bits from PostgreSQL's strong
/// random source. Time-ordered, so that the runs' index on their snapshot id grows at its end,
/// as with a sequence, instead of touching a random page per run.
fn snapshot_uuid() -> pgrx::Uuid {
    let mut bytes = [0u8; 16];
    if !unsafe { pg_sys::pg_strong_random(bytes.as_mut_ptr().add(6).cast(), 10) } {
        error!("take_policy_snapshot: could not generate random values");
    }
    // PostgreSQL counts microseconds from 2000-01-01; Unix time from 1970-01-01.
    const UNIX_TO_POSTGRES_MS: i64 = 946_684_800_000;
    let millis = (unsafe { pg_sys::GetCurrentTimestamp() } / 1000 + UNIX_TO_POSTGRES_MS) as u64;
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = (bytes[6] & 0x0f) | 0x70;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    pgrx::Uuid::from_bytes(bytes)
}

/// now(): the start of the transaction, as a default of the run's own columns would be.
fn taken_at() -> TimestampWithTimeZone {
    TimestampWithTimeZone::try_from(unsafe { pg_sys::GetCurrentTransactionStartTimestamp() })
        .unwrap_or_else(|_| error!("take_policy_snapshot: the transaction start time is out of range"))
}

/// The acting role's name (actor.rs), looked up once per statement snapshot.
fn actor() -> String {
    let role = unsafe { pg_sys::GetOuterUserId() };
    CACHE.with(|cell| {
        let mut cache = cell.borrow_mut();
        if let Some((oid, name)) = &cache.actor {
            if *oid == role {
                return name.clone();
            }
        }
        let name = crate::actor::acting_role();
        cache.actor = Some((role, name.clone()));
        name
    })
}

/// The trigger is on a table it was not made for (or workflow_executions was altered).
fn misuse(reason: &str) -> ! {
    ereport!(
        ERROR,
        PgSqlErrorCode::ERRCODE_TRIGGERED_ACTION_EXCEPTION,
        format!("take_policy_snapshot cannot run here: {reason}")
    );
}

/// No policy is active: refuse the run, or in warn mode store it without a snapshot.
fn no_active_policy(run_id: Option<pgrx::Uuid>) {
    let run = show(run_id);
    if ON_SNAPSHOT_FAILURE.get() == SnapshotFailure::Warn {
        ErrorReport::new(
            PgSqlErrorCode::ERRCODE_WARNING,
            format!("run {run} stored without a policy snapshot: no policy is active"),
            "take_policy_snapshot",
        )
        .set_hint("afu9_policy.on_snapshot_failure is warn; set it to error to refuse such runs.")
        .report(PgLogLevel::WARNING);
        return;
    }
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        format!("cannot take a policy snapshot for run {run}: no policy is active"),
        "take_policy_snapshot",
    )
    .set_hint("Activate a policy version, or set afu9_policy.on_snapshot_failure = warn to store runs without one.")
    .report(PgLogLevel::ERROR);
}

pub(crate) fn with_spi<T>(f: impl FnOnce() -> T) -> T {
    unsafe {
        if pg_sys::SPI_connect() != pg_sys::SPI_OK_CONNECT as i32 {
            error!("take_policy_snapshot: SPI_connect failed");
        }
    }
    let result = f();
    unsafe {
        pg_sys::SPI_finish();
    }
    result
}

fn plans(namespace: pg_sys::Oid) -> Plans {
    PLANS.with(|cell| {
        let mut kept = cell.borrow_mut();
        if let Some(plans) = *kept {
            if plans.namespace == namespace {
                return plans;
            }
            // The extension moved to another schema (dropped and created again).
            unsafe {
                for plan in [plans.scoped, plans.global, plans.arms, plans.taken_for] {
                    pg_sys::SPI_freeplan(plan);
                }
            }
        }
        let schema = unsafe {
            let name = pg_sys::get_namespace_name(namespace);
            std::ffi::CStr::from_ptr(pg_sys::quote_identifier(name)).to_string_lossy().into_owned()
        };
        // SECURITY DEFINER without a pinned search_path: tables carry their schema and operators
        // pg_catalog's, so nothing on the caller's search_path is used (the plan keeps the
        // search_path it was made under and would bind a planted operator for good).
        // One query per scope, one row: its newest activation's version, and its newest
        // allocation if that runs (two index probes; the arms are read only then).
        let lookup = |scope: &str, args: &[pg_sys::Oid]| {
            prepare(
                &format!(
                    "SELECT (SELECT a.policy_version_id FROM {schema}.policy_activations a \
                              WHERE {scope} ORDER BY a.id DESC LIMIT 1), \
                            (SELECT CASE WHEN a.running THEN a.id END \
                               FROM {schema}.policy_experiment_allocations a \
                              WHERE {scope} ORDER BY a.id DESC LIMIT 1)"
                ),
                args,
            )
        };
        let plans = Plans {
            namespace,
            scoped: lookup("a.repository_id OPERATOR(pg_catalog.=) $1", &[pg_sys::UUIDOID]),
            global: lookup("a.repository_id IS NULL", &[]),
            arms: prepare(
                &format!(
                    "SELECT x.name, pg_catalog.array_agg(r.id ORDER BY r.arm), \
                            pg_catalog.array_agg(r.policy_version_id ORDER BY r.arm), \
                            pg_catalog.array_agg(r.weight::pg_catalog.int8 ORDER BY r.arm) \
                       FROM {schema}.policy_experiment_allocations a \
                       JOIN {schema}.policy_experiments x ON x.id OPERATOR(pg_catalog.=) a.experiment_id \
                       JOIN {schema}.policy_experiment_arms r ON r.allocation_id OPERATOR(pg_catalog.=) a.id \
                      WHERE a.id OPERATOR(pg_catalog.=) $1 GROUP BY x.name"
                ),
                &[pg_sys::INT8OID],
            ),
            taken_for: prepare(
                &format!(
                    "SELECT execution_id FROM {schema}.policy_snapshot_records \
                      WHERE id OPERATOR(pg_catalog.=) $1"
                ),
                &[pg_sys::UUIDOID],
            ),
        };
        *kept = Some(plans);
        plans
    })
}

fn prepare(query: &str, args: &[pg_sys::Oid]) -> pg_sys::SPIPlanPtr {
    let query = CString::new(query).expect("no NUL in a query");
    unsafe {
        let plan = pg_sys::SPI_prepare(query.as_ptr(), args.len() as i32, args.as_ptr().cast_mut());
        if plan.is_null() || pg_sys::SPI_keepplan(plan) != 0 {
            error!("take_policy_snapshot: cannot prepare {query:?}");
        }
        plan
    }
}

/// None when no snapshot is active (then nothing is cached and the lookup takes its own).
/// This backend's local transaction id (PostgreSQL 17 moved it into `PGPROC.vxid`).
#[cfg(any(feature = "pg15", feature = "pg16"))]
unsafe fn local_transaction_id() -> pg_sys::LocalTransactionId {
    (*pg_sys::MyProc).lxid
}
#[cfg(not(any(feature = "pg15", feature = "pg16")))]
unsafe fn local_transaction_id() -> pg_sys::LocalTransactionId {
    (*pg_sys::MyProc).vxid.lxid
}

pub(crate) fn visibility_key() -> Option<VisibilityKey> {
    unsafe {
        if !pg_sys::ActiveSnapshotSet() {
            return None;
        }
        let s = &*pg_sys::GetActiveSnapshot();
        Some(VisibilityKey {
            lxid: local_transaction_id(),
            xmin: s.xmin,
            xmax: s.xmax,
            xcnt: s.xcnt,
            curcid: s.curcid,
        })
    }
}

/// The repository's active version, else the global one, as the statement's snapshot sees them.
/// SPI is connected only when the cache does not hold it.
fn active_version(namespace: pg_sys::Oid, repository: Option<pgrx::Uuid>) -> Option<Active> {
    let key = visibility_key();
    let slot = repository.map(|r| *r.as_bytes());
    let cached = CACHE.with(|cell| {
        let mut cache = cell.borrow_mut();
        if key.is_none() || cache.key != key || cache.by_repository.len() > CACHE_LIMIT {
            cache.by_repository.clear();
            cache.actor = None;
            cache.key = key;
        }
        cache.by_repository.get(&slot).cloned()
    });
    if let Some(found) = cached {
        return found;
    }
    // Read-only, the lookups see the statement's snapshot. A repository's scope before the
    // global one.
    let read_only = key.is_some();
    let found = with_spi(|| {
        let plans = plans(namespace);
        repository
            .and_then(|r| lookup(plans, plans.scoped, &[r.into_datum()], read_only))
            .or_else(|| lookup(plans, plans.global, &[], read_only))
    });
    CACHE.with(|cell| cell.borrow_mut().by_repository.insert(slot, found.clone()));
    found
}

/// What decides a scope's runs: its running experiment, else its active version; None when
/// it has neither.
fn lookup(plans: Plans, plan: pg_sys::SPIPlanPtr, args: &[Option<pg_sys::Datum>], read_only: bool) -> Option<Active> {
    unsafe {
        let status = execute(plan, args, read_only);
        if status != pg_sys::SPI_OK_SELECT as i32 || pg_sys::SPI_processed != 1 {
            error!("take_policy_snapshot: active version lookup failed ({status})");
        }
        let table = &*pg_sys::SPI_tuptable;
        let (row, desc) = (*table.vals, table.tupdesc);
        let version = nullable::<i64>(row, desc, 1).map(Active::Version);
        let Some(allocation) = nullable::<i64>(row, desc, 2) else {
            return version;
        };
        let status = execute(plans.arms, &[allocation.into_datum()], read_only);
        if status != pg_sys::SPI_OK_SELECT as i32 {
            error!("take_policy_snapshot: experiment lookup failed ({status})");
        }
        if pg_sys::SPI_processed == 0 {
            return version;
        }
        let table = &*pg_sys::SPI_tuptable;
        let (row, desc) = (*table.vals, table.tupdesc);
        let arms = (nullable(row, desc, 1), nullable(row, desc, 2), nullable(row, desc, 3), nullable(row, desc, 4));
        match arms {
            (Some(name), Some(arm_ids), Some(version_ids), Some(weights)) => Experiment::new(name, arm_ids, version_ids, weights)
                .map(|experiment| Active::Experiment(Rc::new(experiment)))
                .or(version),
            _ => version,
        }
    }
}

/// Refuses a named snapshot that was taken for another run.
fn check_taken_for(plans: Plans, named: pgrx::Uuid, run_id: Option<pgrx::Uuid>) {
    let taken_for = unsafe {
        let status = execute(plans.taken_for, &[named.into_datum()], false);
        if status != pg_sys::SPI_OK_SELECT as i32 {
            error!("take_policy_snapshot: snapshot lookup failed ({status})");
        }
        if pg_sys::SPI_processed == 0 {
            ErrorReport::new(
                PgSqlErrorCode::ERRCODE_FOREIGN_KEY_VIOLATION,
                format!("run {} names policy snapshot {named}, which is not stored", show(run_id)),
                "take_policy_snapshot",
            )
            .set_hint("Omit policy_snapshot_id: the database takes the run's snapshot itself.")
            .report(PgLogLevel::ERROR);
        }
        let table = &*pg_sys::SPI_tuptable;
        let mut null = false;
        let datum = pg_sys::SPI_getbinval(*table.vals, table.tupdesc, 1, &mut null);
        pgrx::Uuid::from_datum(datum, null)
    };
    // One inserted directly (execution_id NULL: a migration's, by a role that may insert
    // snapshots) is free for one run; the unique index on the runs' link sees to "one".
    if let Some(other) = taken_for.filter(|taken| Some(*taken) != run_id) {
        ErrorReport::new(
            PgSqlErrorCode::ERRCODE_CHECK_VIOLATION,
            format!(
                "run {} cannot carry policy snapshot {named}: it was taken for run {other}",
                show(run_id)
            ),
            "take_policy_snapshot",
        )
        .set_hint("Omit policy_snapshot_id: the database takes the run's snapshot itself.")
        .report(PgLogLevel::ERROR);
    }
}

fn show(run_id: Option<pgrx::Uuid>) -> String {
    run_id.map_or_else(|| "<NULL>".to_string(), |id| id.to_string())
}

/// Runs a kept plan for at most one row; read-only runs see the statement's snapshot.
pub(crate) unsafe fn execute(
    plan: pg_sys::SPIPlanPtr,
    args: &[Option<pg_sys::Datum>],
    read_only: bool,
) -> i32 {
    let mut values: Vec<pg_sys::Datum> = args
        .iter()
        .map(|a| a.unwrap_or(pg_sys::Datum::from(0)))
        .collect();
    let nulls: Vec<std::ffi::c_char> = args
        .iter()
        .map(|a| (if a.is_some() { b' ' } else { b'n' }) as std::ffi::c_char)
        .collect();
    pg_sys::SPI_execute_plan(plan, values.as_mut_ptr(), nulls.as_ptr(), read_only, 1)
}

/// Copies a column out of an SPI row (SPI memory is freed by SPI_finish).
unsafe fn nullable<T: FromDatum>(row: pg_sys::HeapTuple, desc: pg_sys::TupleDesc, n: i32) -> Option<T> {
    let mut null = false;
    let datum = pg_sys::SPI_getbinval(row, desc, n, &mut null);
    T::from_datum(datum, null)
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn version_of(workflow: &str) -> String {
        Spi::get_one::<String>(&format!(
            "SELECT v.version::text FROM workflow_executions e
               JOIN afu9_policy.policy_versions v ON v.id = e.policy_version_id
              WHERE e.workflow_id = '{workflow}'"
        ))
        .unwrap()
        .unwrap()
    }

    #[pg_test]
    fn an_activation_earlier_in_the_transaction_decides_the_next_statement() {
        // One transaction throughout: only the command id tells the two INSERTs apart.
        Spi::run("INSERT INTO workflow_executions (workflow_id) VALUES ('before')").unwrap();
        Spi::run("SELECT afu9_policy.publish_policy('v1.1.0', afu9_policy.active_policy() || '{\"note\": \"v1.1.0\"}')")
            .unwrap();
        Spi::run("INSERT INTO workflow_executions (workflow_id) VALUES ('after')").unwrap();
        assert_eq!(version_of("before"), "v1.0.0");
        assert_eq!(version_of("after"), "v1.1.0");
    }

    #[pg_test]
    fn each_run_gets_its_own_snapshot_in_its_row() {
        Spi::run("INSERT INTO workflow_executions (workflow_id) SELECT 'many' FROM generate_series(1, 50)").unwrap();
        let distinct = Spi::get_one::<i64>(
            "SELECT count(DISTINCT policy_snapshot_id) FROM workflow_executions
              WHERE workflow_id = 'many' AND policy_version_id IS NOT NULL
                AND policy_snapshot_taken_at = now() AND policy_snapshot_taken_by = current_user",
        );
        assert_eq!(distinct, Ok(Some(50)));
        // Nothing else is written per run.
        let stored = Spi::get_one::<i64>("SELECT count(*) FROM afu9_policy.policy_snapshot_records");
        assert_eq!(stored, Ok(Some(0)));
    }
}
