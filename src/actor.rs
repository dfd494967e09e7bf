//! Who acted. Publications, activations and snapshots record the role that acted, not the role
//! a SECURITY DEFINER function runs as: PostgreSQL's outer user, which is the login, or the role
//! it switched to with SET ROLE, and which a SECURITY DEFINER call does not change.

use pgrx::pg_sys;
use pgrx::prelude::*;
use std::ffi::CStr;

/// The acting role's name (see the module comment); SQL's current_user inside a SECURITY
/// DEFINER function would name the function's owner.
#[pg_extern(stable, parallel_safe)]
pub(crate) fn acting_role() -> String {
    unsafe {
        let name = pg_sys::GetUserNameFromId(pg_sys::GetOuterUserId(), false);
        CStr::from_ptr(name).to_string_lossy().into_owned()
    }
}
