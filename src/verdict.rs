//! SQL functions of the verdict engine: normalise, classify, and replay a stored verdict.
//! Bad input raises SQLSTATE 22023 with a message naming what is wrong; nothing panics.

use crate::classify::{self, Classification, Signal};
use crate::jsonb::RawJsonb;
use crate::policy;
use pgrx::prelude::*;

fn invalid(message: impl Into<String>) -> ! {
    ereport!(
        ERROR,
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        message.into()
    );
}

/// The largest signals and policy document classified, in bytes of stored jsonb: with it every
/// classification ends within milliseconds, so a cancel or statement_timeout is never held up.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// Why an input is refused for its size; None when it is within the limit.
pub fn too_large(what: &str, input: &RawJsonb) -> Option<String> {
    (input.size() > MAX_INPUT_BYTES).then(|| {
        format!(
            "{what} too large: {} bytes, the limit is {MAX_INPUT_BYTES}",
            input.size()
        )
    })
}

/// Raises 54000 (program_limit_exceeded) for an input over the limit.
pub fn check_size(what: &str, input: &Option<RawJsonb>) {
    if let Some(message) = input.as_ref().and_then(|i| too_large(what, i)) {
        ereport!(
            ERROR,
            PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
            message
        );
    }
}

/// PostgreSQL's interrupt check: a cancel or statement_timeout takes effect here.
fn check_interrupts() {
    pgrx::check_for_interrupts!();
}

/// `round_half_up(raw * 100)` as an integer 0..100.
#[pg_extern(immutable, strict, parallel_safe)]
fn normalize_confidence(raw: f64) -> i32 {
    classify::normalize_confidence(raw).unwrap_or_else(|message| invalid(message))
}

/// Classifies signals under a policy document; the error says what is wrong with either.
fn classification_of(
    signals: Option<RawJsonb>,
    policies: Option<RawJsonb>,
) -> Result<Classification, String> {
    let signals = signals.ok_or("signals must not be NULL")?;
    if let Some(message) = too_large("signals", &signals) {
        return Err(message);
    }
    classify_signals(&signals.signals()?, policies)
}

fn classify_signals(signals: &[Signal], policies: Option<RawJsonb>) -> Result<Classification, String> {
    let policies = policies.ok_or("no policy given, and no policy is active")?;
    if let Some(message) = too_large("policy", &policies) {
        return Err(message);
    }
    let compiled = policy::compiled(&policies);
    let policy = compiled.policy.as_ref().map_err(|e| e.to_string())?;
    Ok(classify::classify(policy, signals, check_interrupts))
}

type Row = (
    String,
    String,
    i32,
    String,
    String,
    String,
    Vec<String>,
    String,
);

fn row(c: Classification) -> Row {
    (
        c.error_class,
        c.service,
        c.confidence_score,
        c.proposed_action,
        c.playbook_id,
        c.fingerprint_id,
        c.tokens,
        c.verdict_type.to_string(),
    )
}

/// Classifies failure signals under a policy (by default the active one). Deterministic.
#[pg_extern(immutable, parallel_safe, requires = [active::active_policy])]
fn classify_failure(
    signals: Option<RawJsonb>,
    policies: default!(Option<RawJsonb>, "active_policy()"),
) -> TableIterator<
    'static,
    (
        name!(error_class, String),
        name!(service, String),
        name!(confidence_score, i32),
        name!(proposed_action, String),
        name!(playbook_id, String),
        name!(fingerprint_id, String),
        name!(tokens, Vec<String>),
        name!(verdict_type, String),
    ),
> {
    check_size("signals", &signals);
    check_size("policy", &policies);
    let c = classification_of(signals, policies).unwrap_or_else(|message| invalid(message));
    TableIterator::once(row(c))
}

/// classify_failure for replays: no row, instead of an error, when signals or policy are unusable.
#[pg_extern(immutable, parallel_safe)]
fn replay_classification(
    signals: Option<RawJsonb>,
    policies: Option<RawJsonb>,
) -> TableIterator<
    'static,
    (
        name!(error_class, String),
        name!(service, String),
        name!(confidence_score, i32),
        name!(proposed_action, String),
        name!(playbook_id, String),
        name!(fingerprint_id, String),
        name!(tokens, Vec<String>),
        name!(verdict_type, String),
    ),
> {
    TableIterator::new(
        classification_of(signals, policies)
            .ok()
            .map(row)
            .into_iter(),
    )
}

/// Re-classifies a stored verdict's signals under its snapshot's policy and names every
/// difference from what was stored; a replay that cannot run is an issue too, not an error.
#[pg_extern(immutable, parallel_safe)]
fn verdict_replay_issues(
    signals: Option<RawJsonb>,
    policies: Option<RawJsonb>,
    error_class: Option<String>,
    confidence_score: Option<i32>,
    proposed_action: Option<String>,
    fingerprint_id: Option<String>,
) -> Vec<String> {
    let mut issues = Vec::new();
    let stored = Stored { error_class, confidence_score, proposed_action, fingerprint_id };
    replay_issues(&mut issues, signals, policies, stored);
    issues
}

/// What a verdict stored that a replay compares.
struct Stored {
    error_class: Option<String>,
    confidence_score: Option<i32>,
    proposed_action: Option<String>,
    fingerprint_id: Option<String>,
}

fn replay_issues(issues: &mut Vec<String>, signals: Option<RawJsonb>, policies: Option<RawJsonb>, stored: Stored) {
    if policies.is_none() {
        issues.push("Replay failed: no policy snapshot".into());
        return;
    }
    let replayed = match signals {
        Some(_) => classification_of(signals, policies),
        // A verdict stored without signals replays as no signals.
        None => classify_signals(&[], policies),
    };
    let replayed = match replayed {
        Ok(c) => c,
        Err(message) => return issues.push(format!("Replay failed: {message}")),
    };
    let show = |v: Option<String>| v.unwrap_or_else(|| "NULL".into());
    let mut compare = |what: &str, stored: Option<String>, again: String| {
        if stored.as_deref() != Some(again.as_str()) {
            issues.push(format!(
                "Replay mismatch: {what} stored {}, replayed {again}",
                show(stored)
            ));
        }
    };
    compare("error_class", stored.error_class, replayed.error_class);
    compare(
        "confidence_score",
        stored.confidence_score.map(|s| s.to_string()),
        replayed.confidence_score.to_string(),
    );
    compare("proposed_action", stored.proposed_action, replayed.proposed_action);
    compare("fingerprint_id", stored.fingerprint_id, replayed.fingerprint_id);
}

/// The audit of a verdict against a snapshot: AFU-9's five checks, then the replay, in one call
/// per verdict. Playbooks that are plain strings (AFU-9's own documents) never decided a
/// verdict, so those are not replayed.
#[pg_extern(immutable, parallel_safe)]
fn verdict_audit_issues(
    policy_snapshot_id: Option<pgrx::Uuid>,
    snapshot_id: Option<pgrx::Uuid>,
    signals: Option<RawJsonb>,
    policies: Option<RawJsonb>,
    error_class: Option<String>,
    confidence_score: Option<i32>,
    proposed_action: Option<String>,
    fingerprint_id: Option<String>,
) -> Vec<String> {
    // format('%s', NULL) printed nothing in the checks' SQL form; so do these.
    let shown = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut issues = Vec::new();
    // IS DISTINCT FROM: two NULLs match.
    if policy_snapshot_id != snapshot_id {
        issues.push("Verdict policy_snapshot_id does not match provided policy".into());
    }
    if !matches!(confidence_score, Some(0..=100)) {
        issues.push(format!(
            "Invalid confidence_score: {}. Must be 0-100.",
            confidence_score.map(|s| s.to_string()).unwrap_or_default()
        ));
    }
    let playbook = match (&policies, &error_class) {
        (Some(doc), Some(class)) => policy::compiled(doc).playbooks.get(class).copied(),
        _ => None,
    };
    if playbook.is_none() {
        issues.push(format!("Unknown error_class: {}", shown(&error_class)));
    }
    if !matches!(proposed_action.as_deref(), Some(a) if policy::ACTIONS.contains(&a)) {
        issues.push(format!("Invalid proposed_action: {}", shown(&proposed_action)));
    }
    if signals.as_ref().is_none_or(|s| s.is_empty_array()) {
        issues.push("Verdict has no signals".into());
    }
    if playbook != Some(true) {
        let stored = Stored { error_class, confidence_score, proposed_action, fingerprint_id };
        replay_issues(&mut issues, signals, policies, stored);
    }
    issues
}
