//! The extension's schema, in `sql/schema/`, in dependency order. `tables.sql`, the seed,
//! `application_tables.sql`, `governance.sql` and `dump.sql` hold data or act once; every other
//! file is code that `scripts/upgrade_scripts.sh` also puts into the upgrade script, so it is
//! written to be run again (CREATE OR REPLACE).

use pgrx::prelude::*;

extension_sql_file!("../sql/schema/bootstrap.sql", name = "bootstrap", bootstrap);
extension_sql_file!(
    "../sql/schema/tables.sql",
    name = "tables",
    requires = ["bootstrap", actor::acting_role]
);
extension_sql_file!(
    "../sql/schema/application.sql",
    name = "application",
    requires = ["tables"]
);
extension_sql_file!(
    "../sql/schema/application_tables.sql",
    name = "application_tables",
    requires = ["application"]
);
extension_sql_file!(
    "../sql/schema/guards.sql",
    name = "guards",
    requires = ["application_tables"]
);
extension_sql_file!(
    "../sql/schema/policy.sql",
    name = "policy",
    requires = ["guards"]
);
extension_sql_file!(
    "../sql/schema/policy_v1.0.0.sql",
    name = "policy_v1",
    requires = ["policy"]
);
extension_sql_file!(
    "../sql/schema/snapshots.sql",
    name = "snapshots",
    requires = ["policy"]
);
extension_sql_file!(
    "../sql/schema/executions.sql",
    name = "executions",
    requires = ["snapshots", snapshot::take_policy_snapshot]
);
extension_sql_file!(
    "../sql/schema/verdicts.sql",
    name = "verdicts",
    requires = ["executions"]
);
extension_sql_file!(
    "../sql/schema/views.sql",
    name = "views",
    requires = ["verdicts"]
);
extension_sql_file!(
    "../sql/schema/verdict_engine.sql",
    name = "verdict_engine",
    requires = [
        "views",
        verdict::classify_failure,
        verdict::verdict_replay_issues,
        verdict::verdict_audit_issues
    ]
);
extension_sql_file!(
    "../sql/schema/status.sql",
    name = "status",
    requires = ["verdict_engine"]
);
extension_sql_file!(
    "../sql/schema/inheritance.sql",
    name = "inheritance",
    requires = ["verdict_engine", policy::validate_policy]
);
extension_sql_file!(
    "../sql/schema/lifecycle.sql",
    name = "lifecycle",
    requires = [
        "inheritance",
        policy::validate_policy,
        verdict::replay_classification
    ]
);
extension_sql_file!(
    "../sql/schema/experiments.sql",
    name = "experiments",
    requires = ["lifecycle"]
);
extension_sql_file!(
    "../sql/schema/ledger.sql",
    name = "ledger",
    requires = ["experiments"]
);
extension_sql_file!(
    "../sql/schema/custody.sql",
    name = "custody",
    requires = ["ledger"]
);
extension_sql_file!(
    "../sql/schema/analytics.sql",
    name = "analytics",
    requires = ["experiments", "status"]
);
extension_sql_file!(
    "../sql/schema/report.sql",
    name = "report",
    requires = ["analytics", "custody"]
);
extension_sql_file!(
    "../sql/schema/access.sql",
    name = "access",
    requires = ["report"]
);

extension_sql_file!(
    "../sql/schema/comments.sql",
    name = "comments",
    requires = [
        "access",
        settings::snapshot_failure_mode,
        verdict::normalize_confidence,
        verdict::classify_failure,
        verdict::replay_classification,
        verdict::verdict_replay_issues,
        verdict::verdict_audit_issues,
        active::active_policy,
        policy::validate_policy
    ]
);
extension_sql_file!(
    "../sql/schema/governance.sql",
    name = "governance",
    requires = ["comments"]
);
extension_sql_file!("../sql/schema/dump.sql", name = "dump", finalize);
