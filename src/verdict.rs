//! SQL functions of the verdict engine: normalise, classify, and replay a stored verdict.
//! Bad input raises SQLSTATE 22023 with a message naming what is wrong; nothing panics.

use crate::classify::{self, Signal};
use crate::policy::{self, RawJsonb};
use pgrx::prelude::*;
use serde_json::Value;

fn invalid(message: impl Into<String>) -> ! {
    ereport!(
        ERROR,
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        message.into()
    );
}

/// Reads signals: a JSON array of objects with string `resourceType` and `statusReason`.
pub fn parse_signals(signals: &Value) -> Result<Vec<Signal>, String> {
    let Value::Array(items) = signals else {
        return Err("signals must be a JSON array of objects".into());
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let text = |key: &str| match item.get(key) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(format!("signals[{i}].{key} must be a string")),
                None => Err(format!("signals[{i}] has no {key}")),
            };
            if !item.is_object() {
                return Err(format!("signals[{i}] must be an object"));
            }
            Ok(Signal {
                resource_type: text("resourceType")?,
                status_reason: text("statusReason")?,
            })
        })
        .collect()
}

/// `round_half_up(raw * 100)` as an integer 0..100.
#[pg_extern(immutable, strict, parallel_safe)]
fn normalize_confidence(raw: f64) -> i32 {
    classify::normalize_confidence(raw).unwrap_or_else(|message| invalid(message))
}

/// Classifies failure signals under a policy (by default the active one). Deterministic.
#[pg_extern(immutable, parallel_safe, requires = ["policy"])]
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
    let Some(signals) = signals else {
        invalid("signals must not be NULL")
    };
    let signals = signals
        .to_value()
        .unwrap_or_else(|e| invalid(format!("signals are {}", e.reason)));
    let Some(policies) = policies else {
        invalid("no policy given, and no policy is active")
    };
    let policy = policy::compiled(&policies).unwrap_or_else(|e| policy::raise(e));
    let signals = parse_signals(&signals).unwrap_or_else(|message| invalid(message));
    let c = classify::classify(&policy, &signals);
    TableIterator::once((
        c.error_class,
        c.service,
        c.confidence_score,
        c.proposed_action,
        c.playbook_id,
        c.fingerprint_id,
        c.tokens,
        c.verdict_type.to_string(),
    ))
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
    let Some(policies) = policies else {
        return vec!["Replay failed: no policy snapshot".into()];
    };
    let policy = match policy::compiled(&policies) {
        Ok(p) => p,
        Err(e) => return vec![format!("Replay failed: {e}")],
    };
    let signals = match signals.map(|raw| {
        raw.to_value()
            .map_err(|e| format!("signals are {}", e.reason))
    }) {
        Some(Ok(v)) => Some(parse_signals(&v)),
        Some(Err(message)) => Some(Err(message)),
        None => None,
    };
    let signals = match signals {
        Some(Ok(s)) => s,
        Some(Err(message)) => return vec![format!("Replay failed: {message}")],
        None => Vec::new(),
    };
    let replayed = classify::classify(&policy, &signals);
    let show = |v: Option<String>| v.unwrap_or_else(|| "NULL".into());
    let mut issues = Vec::new();
    let mut compare = |what: &str, stored: Option<String>, again: String| {
        if stored.as_deref() != Some(again.as_str()) {
            issues.push(format!(
                "Replay mismatch: {what} stored {}, replayed {again}",
                show(stored)
            ));
        }
    };
    compare("error_class", error_class, replayed.error_class);
    compare(
        "confidence_score",
        confidence_score.map(|s| s.to_string()),
        replayed.confidence_score.to_string(),
    );
    compare("proposed_action", proposed_action, replayed.proposed_action);
    compare("fingerprint_id", fingerprint_id, replayed.fingerprint_id);
    issues
}
