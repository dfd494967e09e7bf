//! active_policy(): the document new runs of a scope are snapshotted with. It is the default
//! of classify_failure's policy, so it runs once per classified row: the document is looked up
//! once per statement snapshot and role (as the snapshot trigger looks up the version), and
//! handed back as it is stored, compressed, which the policy cache compares without
//! decompressing (src/policy.rs).

use crate::snapshot::{execute, visibility_key, with_spi, VisibilityKey};
use pgrx::callconv::{BoxRet, FcInfo};
use pgrx::pg_sys;
use pgrx::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;
use std::rc::Rc;

/// A jsonb value in its stored form (a varlena, compressed or not), returned as it is.
pub struct StoredJsonb(Rc<Vec<u8>>);

unsafe impl BoxRet for StoredJsonb {
    unsafe fn box_into<'fcx>(self, fcinfo: &mut FcInfo<'fcx>) -> pgrx::datum::Datum<'fcx> {
        unsafe {
            let copy = pg_sys::palloc(self.0.len()) as *mut u8;
            std::ptr::copy_nonoverlapping(self.0.as_ptr(), copy, self.0.len());
            fcinfo.return_raw_datum(pg_sys::Datum::from(copy))
        }
    }
}

pgrx::impl_sql_translatable!(StoredJsonb, "jsonb");

/// The documents found, by repository (None: no repository), valid for one statement
/// snapshot and one role: another role's lookup checks its own rights on the policy tables.
struct Found {
    key: Option<(VisibilityKey, pg_sys::Oid)>,
    by_repository: HashMap<Option<[u8; 16]>, Option<Rc<Vec<u8>>>>,
}

/// A bulk classification over many repositories should not grow the cache without bound.
const FOUND_LIMIT: usize = 4096;

thread_local! {
    static FOUND: RefCell<Found> = RefCell::new(Found { key: None, by_repository: HashMap::new() });
    /// The lookup, prepared once per backend, for the schema the extension lives in.
    static PLAN: RefCell<Option<(pg_sys::Oid, pg_sys::SPIPlanPtr)>> = const { RefCell::new(None) };
}

/// The complete policy document new runs of a repository (or, without one, of no repository)
/// are snapshotted with: the repository's newest activation, else the global one; NULL when
/// none is active.
#[pg_extern(stable, parallel_safe, requires = ["policy"])]
fn active_policy(repository_id: default!(Option<pgrx::Uuid>, "NULL")) -> Option<StoredJsonb> {
    let key = visibility_key().map(|k| (k, unsafe { pg_sys::GetUserId() }));
    let slot = repository_id.map(|r| *r.as_bytes());
    let cached = FOUND.with(|cell| {
        let mut found = cell.borrow_mut();
        if key.is_none() || found.key != key || found.by_repository.len() > FOUND_LIMIT {
            found.by_repository.clear();
            found.key = key;
        }
        found.by_repository.get(&slot).cloned()
    });
    let document = match cached {
        Some(document) => document,
        None => {
            // Read-only, the lookup sees the statement's snapshot.
            let document = with_spi(|| lookup(repository_id, key.is_some()));
            FOUND.with(|cell| cell.borrow_mut().by_repository.insert(slot, document.clone()));
            document
        }
    };
    document.map(StoredJsonb)
}

/// The caller needs SELECT on the tables the lookup reads, as with a query of its own; checked
/// here so that the refusal is PostgreSQL's plain error, not one passed through SPI.
fn check_rights() {
    unsafe {
        let namespace = pg_sys::get_namespace_oid(c"afu9_policy".as_ptr(), false);
        for table in [c"policy_activations", c"policy_versions", c"policy_documents"] {
            let relid = pg_sys::get_relname_relid(table.as_ptr(), namespace);
            if pg_sys::pg_class_aclcheck(relid, pg_sys::GetUserId(), pg_sys::ACL_SELECT as pg_sys::AclMode)
                != pg_sys::AclResult::ACLCHECK_OK
            {
                ereport!(
                    ERROR,
                    PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
                    format!("permission denied for table {}", table.to_string_lossy())
                );
            }
        }
    }
}

fn lookup(repository_id: Option<pgrx::Uuid>, read_only: bool) -> Option<Rc<Vec<u8>>> {
    check_rights();
    unsafe {
        let status = execute(plan(), &[repository_id.into_datum()], read_only);
        if status != pg_sys::SPI_OK_SELECT as i32 {
            error!("active_policy: lookup failed ({status})");
        }
        if pg_sys::SPI_processed == 0 {
            return None;
        }
        let table = &*pg_sys::SPI_tuptable;
        let mut null = false;
        let datum = pg_sys::SPI_getbinval(*table.vals, table.tupdesc, 1, &mut null);
        let mut body = datum.cast_mut_ptr::<pg_sys::varlena>();
        // Stored out of line: fetched (still compressed, if it was), since SPI's memory goes.
        if pgrx::varlena::varatt_is_1b_e(body) {
            body = pg_sys::detoast_external_attr(body);
        }
        let bytes = std::slice::from_raw_parts(body as *const u8, pgrx::varlena::varsize_any(body));
        Some(Rc::new(bytes.to_vec()))
    }
}

fn plan() -> pg_sys::SPIPlanPtr {
    let namespace = unsafe { pg_sys::get_namespace_oid(c"afu9_policy".as_ptr(), false) };
    PLAN.with(|cell| {
        let mut kept = cell.borrow_mut();
        if let Some((ns, plan)) = *kept {
            if ns == namespace {
                return plan;
            }
            // The extension was dropped and created again.
            unsafe { pg_sys::SPI_freeplan(plan) };
        }
        // Tables carry their schema and operators pg_catalog's: nothing on the caller's
        // search_path is used. The repository's activation, else the global one; the newest.
        let query = CString::new(
            "SELECT d.body FROM afu9_policy.policy_activations a \
               JOIN afu9_policy.policy_versions v ON v.id OPERATOR(pg_catalog.=) a.policy_version_id \
               JOIN afu9_policy.policy_documents d ON d.hash OPERATOR(pg_catalog.=) v.document_hash \
              WHERE a.repository_id OPERATOR(pg_catalog.=) $1 OR a.repository_id IS NULL \
              ORDER BY a.repository_id IS NULL, a.id DESC LIMIT 1",
        )
        .expect("no NUL in the query");
        let plan = unsafe {
            let mut args = [pg_sys::UUIDOID];
            let plan = pg_sys::SPI_prepare(query.as_ptr(), 1, args.as_mut_ptr());
            if plan.is_null() || pg_sys::SPI_keepplan(plan) != 0 {
                error!("active_policy: cannot prepare the lookup");
            }
            plan
        };
        *kept = Some((namespace, plan));
        plan
    })
}
