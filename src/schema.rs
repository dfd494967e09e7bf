//! The extension's schema, in `sql/`, in dependency order.

use pgrx::prelude::*;

extension_sql_file!("../sql/guards.sql", name = "guards", bootstrap);
extension_sql_file!("../sql/policy.sql", name = "policy", requires = ["guards"]);
extension_sql_file!(
    "../sql/policy_v1.0.0.sql",
    name = "policy_v1",
    requires = ["policy"]
);
extension_sql_file!(
    "../sql/snapshots.sql",
    name = "snapshots",
    requires = ["policy"]
);
extension_sql_file!(
    "../sql/executions.sql",
    name = "executions",
    requires = ["snapshots", snapshot::take_policy_snapshot]
);
extension_sql_file!(
    "../sql/verdicts.sql",
    name = "verdicts",
    requires = ["executions"]
);
extension_sql_file!("../sql/views.sql", name = "views", requires = ["verdicts"]);
extension_sql_file!(
    "../sql/verdict_engine.sql",
    name = "verdict_engine",
    requires = [
        "views",
        verdict::classify_failure,
        verdict::verdict_replay_issues
    ]
);
extension_sql_file!(
    "../sql/status.sql",
    name = "status",
    requires = ["verdict_engine"]
);
extension_sql_file!(
    "../sql/lifecycle.sql",
    name = "lifecycle",
    requires = [
        "verdict_engine",
        policy::validate_policy,
        verdict::replay_classification
    ]
);
extension_sql_file!(
    "../sql/ledger.sql",
    name = "ledger",
    requires = ["lifecycle"]
);
extension_sql_file!(
    "../sql/access.sql",
    name = "access",
    requires = ["ledger", "status"]
);
extension_sql_file!(
    "../sql/comments.sql",
    name = "comments",
    requires = [
        "access",
        settings::snapshot_failure_mode,
        verdict::normalize_confidence,
        verdict::classify_failure,
        verdict::replay_classification,
        verdict::verdict_replay_issues,
        policy::validate_policy
    ]
);
extension_sql_file!("../sql/dump.sql", name = "dump", finalize);
