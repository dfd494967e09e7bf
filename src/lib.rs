//! afu9_policy: every AFU-9 workflow run pinned to an immutable snapshot of the policy in
//! force, enforced by PostgreSQL itself. The schema lives in `sql/`; Rust holds what SQL
//! cannot do well.

::pgrx::pg_module_magic!(name, version);

mod active;
mod actor;
mod classify;
mod experiment;
mod jsonb;
mod pattern;
mod policy;
mod schema;
mod settings;
mod snapshot;
mod verdict;

#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    settings::init();
}

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
