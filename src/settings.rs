//! The extension's settings (GUCs).

use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use pgrx::prelude::*;

/// What an INSERT does when a run cannot be given a policy snapshot.
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum SnapshotFailure {
    /// Refuse the insert (the default).
    #[name = c"error"]
    Error,
    /// Store the run without a snapshot and raise a WARNING.
    #[name = c"warn"]
    Warn,
}

pub static ON_SNAPSHOT_FAILURE: GucSetting<SnapshotFailure> =
    GucSetting::<SnapshotFailure>::new(SnapshotFailure::Error);

pub fn init() {
    GucRegistry::define_enum_guc(
        c"afu9_policy.on_snapshot_failure",
        c"What to do when a run cannot be given a policy snapshot: error or warn.",
        c"error (default) rejects the INSERT; warn stores the run with a NULL policy_snapshot_id and raises a WARNING.",
        &ON_SNAPSHOT_FAILURE,
        GucContext::Userset,
        GucFlags::default(),
    );
}

/// The effective `afu9_policy.on_snapshot_failure`, as the triggers read it. Calling it also
/// loads this library, so a value set before it was loaded is checked.
#[pg_extern(stable, parallel_safe)]
fn snapshot_failure_mode() -> &'static str {
    match ON_SNAPSHOT_FAILURE.get() {
        SnapshotFailure::Error => "error",
        SnapshotFailure::Warn => "warn",
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn defaults_to_error() {
        assert_eq!(super::snapshot_failure_mode(), "error");
    }

    #[pg_test]
    fn follows_set() {
        Spi::run("SET afu9_policy.on_snapshot_failure = 'warn'").unwrap();
        assert_eq!(super::snapshot_failure_mode(), "warn");
    }

    #[pg_test(
        error = "invalid value for parameter \"afu9_policy.on_snapshot_failure\": \"sometimes\""
    )]
    fn rejects_unknown_values() {
        Spi::run("SET afu9_policy.on_snapshot_failure = 'sometimes'").unwrap();
    }
}
