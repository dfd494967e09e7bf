//! The verdict algorithms of policy v1.0.0 (spec sections 2 to 4), matched to the digit so that
//! fingerprints and scores stored by AFU-9 keep their meaning. Pure: no database access here.

use crate::pattern::{is_js_space, JS_SPACE};
use crate::policy::Policy;
use regex::Regex;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::OnceLock;

pub const UNKNOWN: &str = "UNKNOWN";
const STOP_WORDS: [&str; 21] = [
    "the", "this", "that", "with", "from", "have", "been", "were", "was", "are", "and", "for",
    "not", "but", "can", "could", "would", "should", "your", "their", "there",
];

/// One failure signal; only the fields the algorithms read.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub resource_type: String,
    pub status_reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub error_class: String,
    pub service: String,
    pub confidence_score: i32,
    pub proposed_action: String,
    pub playbook_id: String,
    pub fingerprint_id: String,
    pub tokens: Vec<String>,
    pub verdict_type: &'static str,
}

/// `round_half_up(raw * 100)`; `raw` must lie in 0..1.
pub fn normalize_confidence(raw: f64) -> Result<i32, String> {
    if !(0.0..=1.0).contains(&raw) {
        return Err(format!(
            "Invalid confidence: {}. Must be between 0 and 1.",
            js_number(raw)
        ));
    }
    let scaled = raw * 100.0;
    let floor = scaled.floor();
    // Exact half-up (JavaScript's Math.round), not floor(x + 0.5), which rounds
    // 0.49999999999999994 up; and not PostgreSQL's round(float8), which rounds half to even.
    Ok((if scaled - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    }) as i32)
}

/// A number as JavaScript's `String(x)` prints it: the shortest digits that read back as x,
/// in exponent form (`1e+21`, `-1e-7`) from 1e21 up and below 1e-6, otherwise in positional form.
fn js_number(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if x == 0.0 {
        "0".into() // -0 too
    } else if x.abs() >= 1e21 || x.abs() < 1e-6 {
        // Rust's {:e} gives the same shortest digits: "1e21", "-1.5e-7".
        let exp = format!("{x:e}");
        match exp.split_once('e') {
            Some((digits, power)) if !power.starts_with('-') => format!("{digits}e+{power}"),
            _ => exp,
        }
    } else {
        format!("{x}")
    }
}

/// `fp(a, b, c)`: the first 32 hex digits of SHA-256 over `a:b:c`.
pub fn fingerprint(class: &str, service: &str, template: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [class, ":", service, ":", template] {
        hasher.update(part.as_bytes());
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = hasher.finalize();
    let mut out = String::with_capacity(32);
    for b in &digest[..16] {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

struct TemplateStep {
    pattern: Regex,
    replacement: &'static str,
}

/// The template replacements, in order, written for the regex crate with JavaScript's meaning
/// (`(?-u)` where JS classes are ASCII; JS's own white-space set).
fn template_steps() -> &'static [TemplateStep] {
    static STEPS: OnceLock<Vec<TemplateStep>> = OnceLock::new();
    STEPS.get_or_init(|| {
        let sp = JS_SPACE;
        [
            (format!(r"(?i-u:[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})(?i:[T{sp}])(?i-u:[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}[.0-9]*[Z]?)"), "<TIMESTAMP>"),
            (r"[0-9]{10,13}".to_string(), "<TIMESTAMP>"),
            (r"(?i-u:[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12})".to_string(), "<UUID>"),
            (format!(r"(?i-u:arn:aws:[a-z0-9-]+:[a-z0-9-]*:[0-9]{{12}}:)[^{sp}]+"), "<ARN>"),
            (r"(?-u:\b[A-Z0-9]{20,}\b)".to_string(), "<ID>"),
            (r"(?i-u:\b[A-Za-z0-9_]+Stack\b)".to_string(), "<STACK>"),
            (format!(r"(?i-u:\b[0-9]+)[{sp}]*(?i-u:(ms|seconds?|minutes?|hours?|MB|GB|KB|MiB|GiB|KiB)\b)"), "<VALUE>"),
            (format!(r"[{sp}]+"), " "),
        ]
        .into_iter()
        .map(|(p, replacement)| TemplateStep {
            pattern: Regex::new(&p).expect("template patterns are fixed and valid"),
            replacement,
        })
        .collect()
    })
}

/// Called between the steps of a classification and every few thousand words, so that a cancel
/// is not held up by a large input; the SQL functions pass PostgreSQL's interrupt check.
pub type Interrupt = fn();

/// `template(text)`: lower-cased, variable parts replaced, white space collapsed and trimmed.
pub fn template(text: &str, interrupt: Interrupt) -> String {
    let mut out = text.to_lowercase();
    for step in template_steps() {
        interrupt();
        if let std::borrow::Cow::Owned(replaced) = step.pattern.replace_all(&out, step.replacement)
        {
            out = replaced;
        }
    }
    out.trim_matches(is_js_space).to_string()
}

/// The verdict's tokens: per signal, its resource type, then the words of its lower-cased
/// reason longer than three characters that are not stop words; first occurrence kept.
pub fn tokens(signals: &[Signal], interrupt: Interrupt) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // A set beside the list keeps de-duplication linear in the number of words; a few tokens
    // (the usual case) are looked up in the list itself, which costs less than hashing.
    let mut seen: HashSet<String> = HashSet::new();
    let mut add = |t: &str| {
        if out.len() < 16 {
            if !out.iter().any(|o| o == t) {
                out.push(t.to_string());
            }
            return;
        }
        if seen.is_empty() {
            seen.extend(out.iter().cloned());
        }
        if seen.insert(t.to_string()) {
            out.push(t.to_string());
        }
    };
    for s in signals {
        add(&s.resource_type);
        let reason = s.status_reason.to_lowercase();
        // JS `split(/\W+/)`: \w is ASCII, so words are ASCII and their length is in bytes.
        for (n, word) in reason
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .enumerate()
        {
            if n % 4096 == 0 {
                interrupt();
            }
            if word.len() > 3 && !STOP_WORDS.contains(&word) {
                add(word);
            }
        }
    }
    out
}

/// The verdict type from class, action and score: the first rule that applies.
pub fn verdict_type(class: &str, action: &str, score: i32) -> &'static str {
    match (class, action) {
        ("CFN_IN_PROGRESS_LOCK" | "CFN_ROLLBACK_LOCK", _) => "BLOCKED",
        ("DEPRECATED_CDK_API", _) => "WARNING",
        _ if score < 60 => "ESCALATED",
        (_, "WAIT_AND_RETRY") => "DEFERRED",
        (_, "OPEN_ISSUE") => "REJECTED",
        (_, "HUMAN_REQUIRED") => "ESCALATED",
        _ => "PENDING",
    }
}

/// Classifies failure signals under a compiled policy: the first rule whose pattern matches
/// the combined reasons wins; otherwise UNKNOWN.
pub fn classify(policy: &Policy, signals: &[Signal], interrupt: Interrupt) -> Classification {
    let (class, service, raw, template_of) = if signals.is_empty() {
        (
            UNKNOWN.to_string(),
            "Unknown".to_string(),
            0.0,
            String::new(),
        )
    } else {
        let combined = signals
            .iter()
            .map(|s| s.status_reason.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
            .to_lowercase();
        interrupt();
        match policy.first_match(&combined) {
            Some(rule) => (
                rule.error_class.clone(),
                rule.service.clone(),
                rule.confidence,
                template(&combined, interrupt),
            ),
            None => (
                UNKNOWN.to_string(),
                signals[0].resource_type.clone(),
                0.5,
                template(&signals[0].status_reason, interrupt),
            ),
        }
    };
    // Rule confidences were checked to lie in 0..1 when the policy was compiled.
    let score = normalize_confidence(raw).expect("confidence checked at compile time");
    let playbook = policy.playbook(&class);
    Classification {
        fingerprint_id: fingerprint(&class, &service, &template_of),
        verdict_type: verdict_type(&class, &playbook.action, score),
        proposed_action: playbook.action.clone(),
        playbook_id: playbook.playbook_id.clone(),
        tokens: tokens(signals, interrupt),
        confidence_score: score,
        error_class: class,
        service,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uninterrupted() {}

    #[test]
    fn half_up_rounding() {
        assert_eq!(normalize_confidence(0.855), Ok(86));
        assert_eq!(normalize_confidence(0.854), Ok(85));
        assert_eq!(normalize_confidence(0.85), Ok(85));
        assert_eq!(normalize_confidence(0.5), Ok(50));
        assert_eq!(normalize_confidence(0.005), Ok(1));
        assert_eq!(normalize_confidence(0.0), Ok(0));
        assert_eq!(normalize_confidence(1.0), Ok(100));
        assert_eq!(normalize_confidence(0.004999999999999999), Ok(0));
    }

    #[test]
    fn out_of_range_confidence() {
        assert_eq!(
            normalize_confidence(1.5),
            Err("Invalid confidence: 1.5. Must be between 0 and 1.".into())
        );
        assert_eq!(
            normalize_confidence(-0.1),
            Err("Invalid confidence: -0.1. Must be between 0 and 1.".into())
        );
        assert_eq!(
            normalize_confidence(f64::NAN),
            Err("Invalid confidence: NaN. Must be between 0 and 1.".into())
        );
        assert_eq!(
            normalize_confidence(f64::INFINITY),
            Err("Invalid confidence: Infinity. Must be between 0 and 1.".into())
        );
        assert_eq!(
            normalize_confidence(2.0),
            Err("Invalid confidence: 2. Must be between 0 and 1.".into())
        );
        assert_eq!(
            normalize_confidence(-1e-7),
            Err("Invalid confidence: -1e-7. Must be between 0 and 1.".into())
        );
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        for (x, js) in [
            (1e21, "1e+21"),
            (-1e21, "-1e+21"),
            (1.5e300, "1.5e+300"),
            (f64::MAX, "1.7976931348623157e+308"),
            (1.2345678901234568e20, "123456789012345680000"),
            (1e-6, "0.000001"),
            (-1e-7, "-1e-7"),
            (1.25e-7, "1.25e-7"),
            (5e-324, "5e-324"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0, "0"),
            (42.0, "42"),
        ] {
            assert_eq!(js_number(x), js, "{x:?}");
        }
    }

    #[test]
    fn fingerprint_of_no_signals() {
        assert_eq!(
            fingerprint("UNKNOWN", "Unknown", ""),
            "6f8a329f4f7d93b901651b231b9aaddf"
        );
    }

    #[test]
    fn template_steps_in_order() {
        assert_eq!(
            template("At 2025-01-15T09:50:00.123Z stack failed", uninterrupted),
            "at <TIMESTAMP> stack failed"
        );
        assert_eq!(
            template("epoch 1736934600000 here", uninterrupted),
            "epoch <TIMESTAMP> here"
        );
        assert_eq!(
            template("id 123E4567-E89B-12D3-A456-4266E4174000 x", uninterrupted),
            "id <UUID> x"
        );
        // A last group of 10+ digits is taken by step 2 first, as in AFU-9.
        assert_eq!(
            template("id 123e4567-e89b-12d3-a456-426614174000 x", uninterrupted),
            "id 123e4567-e89b-12d3-a456-<TIMESTAMP> x"
        );
        // Step 2 eats the 12-digit account id before step 4 can see the ARN.
        assert_eq!(
            template(
                "arn:aws:lambda:eu-central-1:123456789012:function:x failed",
                uninterrupted
            ),
            "arn:aws:lambda:eu-central-1:<TIMESTAMP>:function:x failed"
        );
        assert_eq!(
            template("arn:aws:s3:::bucket/key", uninterrupted),
            "arn:aws:s3:::bucket/key"
        );
        // Step 2 also eats long digit runs 13 at a time, before step 5 sees 20 of them.
        assert_eq!(
            template("req 123456789012345678901234 done", uninterrupted),
            "req <TIMESTAMP><TIMESTAMP> done"
        );
        assert_eq!(
            template("MyAppStack is in ROLLBACK", uninterrupted),
            "<STACK> is in rollback"
        );
        assert_eq!(
            template("timeout after 30 seconds and 512MB", uninterrupted),
            "timeout after <VALUE> and <VALUE>"
        );
        assert_eq!(template("  a \t\n b\u{A0} ", uninterrupted), "a b");
    }

    #[test]
    fn tokens_example() {
        let s = [Signal {
            resource_type: "AWS::Lambda::Function".into(),
            status_reason: "Error: environment variable API_KEY is not set".into(),
        }];
        assert_eq!(
            tokens(&s, uninterrupted),
            [
                "AWS::Lambda::Function",
                "error",
                "environment",
                "variable",
                "api_key"
            ]
        );
    }

    #[test]
    fn tokens_of_many_distinct_words_are_linear() {
        // 200,000 distinct words: a quadratic de-duplication takes minutes here.
        let reason: Vec<String> = (0..200_000).map(|i| format!("word{i}")).collect();
        let signals = [Signal {
            resource_type: "R".into(),
            status_reason: reason.join(" "),
        }];
        let started = std::time::Instant::now();
        let tokens = tokens(&signals, uninterrupted);
        assert_eq!(tokens.len(), 200_001);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn verdict_types() {
        assert_eq!(
            verdict_type("CFN_ROLLBACK_LOCK", "OPEN_ISSUE", 95),
            "BLOCKED"
        );
        assert_eq!(
            verdict_type("CFN_IN_PROGRESS_LOCK", "WAIT_AND_RETRY", 10),
            "BLOCKED"
        );
        assert_eq!(
            verdict_type("DEPRECATED_CDK_API", "OPEN_ISSUE", 75),
            "WARNING"
        );
        assert_eq!(verdict_type("UNKNOWN", "OPEN_ISSUE", 50), "ESCALATED");
        assert_eq!(
            verdict_type("ACM_DNS_VALIDATION_PENDING", "WAIT_AND_RETRY", 90),
            "DEFERRED"
        );
        assert_eq!(verdict_type("MISSING_SECRET", "OPEN_ISSUE", 85), "REJECTED");
        assert_eq!(
            verdict_type("ROUTE53_DELEGATION_PENDING", "HUMAN_REQUIRED", 90),
            "ESCALATED"
        );
    }
}
