//! A policy document checked and compiled for classification, and a per-backend cache so
//! that each distinct document is parsed and its patterns compiled once, not per verdict.

use crate::pattern::{compile_case_insensitive, compile_set_case_insensitive};
use crate::jsonb::RawJsonb;
use pgrx::prelude::*;
use regex::RegexSet;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Patterns a policy may hold (v1.0.0 has 37): compiling them all into one set is then quick,
/// and the set is one call that cannot be interrupted.
pub const MAX_PATTERNS: usize = 1000;

pub const ACTIONS: [&str; 3] = ["WAIT_AND_RETRY", "OPEN_ISSUE", "HUMAN_REQUIRED"];

pub struct Rule {
    pub error_class: String,
    pub service: String,
    pub confidence: f64,
}

pub struct Playbook {
    pub action: String,
    pub playbook_id: String,
}

pub struct Policy {
    pub rules: Vec<Rule>,
    pub playbooks: HashMap<String, Playbook>,
    /// Every rule's patterns, in rule order then pattern order, matched in one pass.
    patterns: RegexSet,
    /// The rule each pattern of `patterns` belongs to.
    rule_of_pattern: Vec<usize>,
}

impl Policy {
    /// The first rule, in order, with a pattern that matches: the lowest matching pattern
    /// index belongs to it, since patterns are numbered in rule order.
    pub fn first_match(&self, text: &str) -> Option<&Rule> {
        let first = self.patterns.matches(text).into_iter().next()?;
        Some(&self.rules[self.rule_of_pattern[first]])
    }

    /// The playbook of a class; compile() ensured every rule class and UNKNOWN has one.
    pub fn playbook(&self, class: &str) -> &Playbook {
        self.playbooks
            .get(class)
            .unwrap_or_else(|| &self.playbooks[crate::classify::UNKNOWN])
    }
}

/// Why a document is not a valid policy, and where (a JSON path such as `$.playbooks.UNKNOWN`).
#[derive(Debug, PartialEq)]
pub struct PolicyError {
    pub path: String,
    pub reason: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid policy at {}: {}", self.path, self.reason)
    }
}

fn fail<T>(path: impl Into<String>, reason: impl Into<String>) -> Result<T, PolicyError> {
    Err(PolicyError {
        path: path.into(),
        reason: reason.into(),
    })
}

fn field<'a>(obj: &'a Value, path: &str, key: &str) -> Result<&'a Value, PolicyError> {
    obj.get(key).ok_or_else(|| PolicyError {
        path: format!("{path}.{key}"),
        reason: "missing".into(),
    })
}

fn string<'a>(obj: &'a Value, path: &str, key: &str) -> Result<&'a str, PolicyError> {
    match field(obj, path, key)? {
        Value::String(s) if !s.is_empty() => Ok(s),
        Value::String(_) => fail(format!("{path}.{key}"), "must not be empty"),
        other => fail(
            format!("{path}.{key}"),
            format!("must be a string, not {}", kind(other)),
        ),
    }
}

fn array<'a>(obj: &'a Value, path: &str, key: &str) -> Result<&'a Vec<Value>, PolicyError> {
    match field(obj, path, key)? {
        Value::Array(a) => Ok(a),
        other => fail(
            format!("{path}.{key}"),
            format!("must be an array, not {}", kind(other)),
        ),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks a policy document and compiles its patterns.
pub fn compile(doc: &Value) -> Result<Policy, PolicyError> {
    if !doc.is_object() {
        return fail("$", format!("must be an object, not {}", kind(doc)));
    }
    if !field(doc, "$", "confidence_normalization")?.is_object() {
        return fail("$.confidence_normalization", "must be an object");
    }
    let mut playbooks = HashMap::new();
    match field(doc, "$", "playbooks")? {
        Value::Object(map) => {
            for (class, pb) in map {
                let path = format!("$.playbooks.{class}");
                if !pb.is_object() {
                    return fail(path, format!("must be an object, not {}", kind(pb)));
                }
                let action = string(pb, &path, "action")?;
                if !ACTIONS.contains(&action) {
                    return fail(
                        format!("{path}.action"),
                        format!(
                            "unknown action {action}; must be one of {}",
                            ACTIONS.join(", ")
                        ),
                    );
                }
                let playbook_id = string(pb, &path, "playbookId")?.to_string();
                playbooks.insert(
                    class.clone(),
                    Playbook {
                        action: action.to_string(),
                        playbook_id,
                    },
                );
            }
        }
        other => {
            return fail(
                "$.playbooks",
                format!("must be an object, not {}", kind(other)),
            )
        }
    }
    if !playbooks.contains_key(crate::classify::UNKNOWN) {
        return fail(
            "$.playbooks.UNKNOWN",
            "missing: the fallback class needs a playbook",
        );
    }
    let mut rules = Vec::new();
    let mut sources_in_order: Vec<&str> = Vec::new();
    let mut rule_of_pattern = Vec::new();
    for (i, rule) in array(doc, "$", "classification_rules")?.iter().enumerate() {
        let path = format!("$.classification_rules[{i}]");
        if !rule.is_object() {
            return fail(path, format!("must be an object, not {}", kind(rule)));
        }
        let error_class = string(rule, &path, "errorClass")?.to_string();
        if !playbooks.contains_key(&error_class) {
            return fail(
                format!("{path}.errorClass"),
                format!("class {error_class} has no playbook"),
            );
        }
        let service = string(rule, &path, "service")?.to_string();
        let confidence = match field(rule, &path, "confidence")?.as_f64() {
            Some(c) if (0.0..=1.0).contains(&c) => c,
            Some(c) => return fail(format!("{path}.confidence"), format!("{c} is outside 0..1")),
            None => return fail(format!("{path}.confidence"), "must be a number"),
        };
        for (j, t) in array(rule, &path, "tokens")?.iter().enumerate() {
            if !t.is_string() {
                return fail(
                    format!("{path}.tokens[{j}]"),
                    format!("must be a string, not {}", kind(t)),
                );
            }
        }
        let sources = array(rule, &path, "patterns")?;
        if sources.is_empty() {
            return fail(format!("{path}.patterns"), "must hold at least one pattern");
        }
        for (j, p) in sources.iter().enumerate() {
            interruptible();
            let ppath = format!("{path}.patterns[{j}]");
            if sources_in_order.len() == MAX_PATTERNS {
                return fail(
                    ppath,
                    format!("one pattern too many: a policy holds at most {MAX_PATTERNS}"),
                );
            }
            let Value::String(src) = p else {
                return fail(ppath, format!("must be a string, not {}", kind(p)));
            };
            // Alone first, so that an error names the pattern that causes it.
            match compile_case_insensitive(src) {
                Ok(_) => {
                    sources_in_order.push(src.as_str());
                    rule_of_pattern.push(rules.len());
                }
                Err(e) => {
                    let why = e.to_string();
                    let last = why
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .last()
                        .unwrap_or("")
                        .trim();
                    return fail(ppath, format!("pattern {src:?} does not compile: {last}"));
                }
            }
        }
        rules.push(Rule {
            error_class,
            service,
            confidence,
        });
    }
    let patterns = compile_set_case_insensitive(sources_in_order).map_err(|e| PolicyError {
        path: "$.classification_rules".into(),
        reason: format!(
            "the patterns together are too large: {}",
            e.to_string().trim()
        ),
    })?;
    Ok(Policy {
        rules,
        playbooks,
        patterns,
        rule_of_pattern,
    })
}

/// Lets a cancel or statement_timeout through between patterns; plain unit tests run outside
/// PostgreSQL, so not there.
fn interruptible() {
    #[cfg(not(test))]
    {
        pgrx::check_for_interrupts!();
    }
}

/// Documents compiled and kept per backend; a workload uses one or a few.
const CACHE_CAPACITY: usize = 32;

/// What a backend keeps of a document: its compiled policy or why it is none (an adopted AFU-9
/// document, say), and what its `playbooks` member holds, which audits read either way.
pub struct Compiled {
    pub policy: Result<Policy, PolicyError>,
    /// Each class under `playbooks`, and whether its playbook is a plain string (AFU-9's own
    /// documents: such a playbook never decided a verdict, so it is not replayed).
    pub playbooks: HashMap<String, bool>,
}

thread_local! {
    /// Most recently used first, keyed by the document's stored bytes (RawJsonb::stored_bytes).
    /// Found by comparing them (lengths first, then memcmp), which costs less than hashing a
    /// document of several kilobytes on every call.
    static CACHE: RefCell<Vec<(Vec<u8>, Rc<Compiled>)>> = const { RefCell::new(Vec::new()) };
    static COMPILATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A document compiled, from this backend's cache when it was seen before.
pub fn compiled(doc: &RawJsonb) -> Rc<Compiled> {
    let bytes = doc.stored_bytes();
    let hit = CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        let at = cache.iter().position(|(b, _)| b.as_slice() == bytes)?;
        if at > 0 {
            let entry = cache.remove(at);
            cache.insert(0, entry);
        }
        Some(cache[0].1.clone())
    });
    if let Some(entry) = hit {
        return entry;
    }
    let policy = doc
        .to_value()
        .ok_or_else(|| PolicyError {
            path: "$".into(),
            reason: "not readable: nested more than 128 levels deep, or a number beyond double range".into(),
        })
        .and_then(|value| compile(&value));
    COMPILATIONS.with(|n| n.set(n.get() + 1));
    let entry = Rc::new(Compiled { policy, playbooks: doc.member_kinds("playbooks") });
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        cache.truncate(CACHE_CAPACITY - 1);
        cache.insert(0, (bytes.to_vec(), entry.clone()));
    });
    entry
}

/// Checks a policy document as publish_policy does: raises 22023 naming the JSON path and the
/// reason of the first problem; true when the document is a valid policy.
#[pg_extern(immutable, parallel_safe)]
fn validate_policy(policies: Option<RawJsonb>) -> bool {
    crate::verdict::check_size("policy", &policies);
    let Some(policies) = policies else {
        raise(&PolicyError {
            path: "$".into(),
            reason: "must not be NULL".into(),
        })
    };
    match &compiled(&policies).policy {
        Ok(_) => true,
        Err(e) => raise(e),
    }
}

/// Raises a policy error as SQLSTATE 22023.
pub fn raise(e: &PolicyError) -> ! {
    ereport!(
        ERROR,
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        e.to_string()
    );
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn each_policy_is_compiled_once_per_backend() {
        let before = super::COMPILATIONS.with(|n| n.get());
        for _ in 0..5 {
            Spi::run("SELECT * FROM afu9_policy.classify_failure('[{\"resourceType\": \"R\", \"statusReason\": \"x\"}]')").unwrap();
        }
        Spi::run("SELECT * FROM generate_series(1, 100), afu9_policy.classify_failure('[]')")
            .unwrap();
        assert_eq!(super::COMPILATIONS.with(|n| n.get()) - before, 1);
        // Another document is another compilation.
        Spi::run("SELECT * FROM afu9_policy.classify_failure('[]', afu9_policy.active_policy() || '{\"note\": 1}')")
            .unwrap();
        assert_eq!(super::COMPILATIONS.with(|n| n.get()) - before, 2);
    }

    #[test]
    fn rejects_each_invalid_document_with_its_path() {
        let v1: serde_json::Value = serde_json::json!({
            "classification_rules": [{"errorClass": "A", "service": "S", "confidence": 0.5,
                                      "tokens": [], "patterns": ["a"]}],
            "playbooks": {"A": {"action": "OPEN_ISSUE", "playbookId": "a"},
                          "UNKNOWN": {"action": "OPEN_ISSUE", "playbookId": "u"}},
            "confidence_normalization": {}
        });
        assert!(super::compile(&v1).is_ok());
        let broken = |pointer: &str, value: serde_json::Value| {
            let mut doc = v1.clone();
            *doc.pointer_mut(pointer).unwrap() = value;
            super::compile(&doc).err().map(|e| e.to_string())
        };
        let e = |s: &str| Some(s.to_string());
        assert_eq!(
            broken("/classification_rules/0/confidence", 1.5.into()),
            e("invalid policy at $.classification_rules[0].confidence: 1.5 is outside 0..1")
        );
        assert_eq!(
            broken("/classification_rules/0/errorClass", "B".into()),
            e("invalid policy at $.classification_rules[0].errorClass: class B has no playbook")
        );
        assert_eq!(broken("/playbooks/A/action", "RETRY".into()),
                   e("invalid policy at $.playbooks.A.action: unknown action RETRY; must be one of WAIT_AND_RETRY, OPEN_ISSUE, HUMAN_REQUIRED"));
        assert_eq!(broken("/classification_rules/0/patterns", serde_json::json!(["("])).map(|m| m.starts_with("invalid policy at $.classification_rules[0].patterns[0]: pattern \"(\" does not compile")),
                   Some(true));
        assert_eq!(broken("/classification_rules/0/service", 3.into()),
                   e("invalid policy at $.classification_rules[0].service: must be a string, not a number"));
        assert_eq!(broken("/playbooks", serde_json::json!({"A": {"action": "OPEN_ISSUE", "playbookId": "a"}})),
                   e("invalid policy at $.playbooks.UNKNOWN: missing: the fallback class needs a playbook"));
        let many: Vec<String> = (0..=super::MAX_PATTERNS).map(|i| format!("p{i}")).collect();
        assert_eq!(broken("/classification_rules/0/patterns", serde_json::json!(many)),
                   e("invalid policy at $.classification_rules[0].patterns[1000]: one pattern too many: a policy holds at most 1000"));
    }
}
