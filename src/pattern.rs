//! AFU-9 wrote its patterns as JavaScript regular expressions. The regex crate differs in a
//! few places that change what matches, so patterns are translated before compiling:
//! `\d \w \s \b` are ASCII (and JS's own white-space set), `.` stops at every JS line
//! terminator, and `[ & ~` inside a class are literals in JS but operators here.
//! Look-around and back-references have no translation: such a pattern does not compile.

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// JavaScript's `\s`: white space and line terminators.
pub const JS_SPACE: &str = r"\t\n\x0B\x0C\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";
const JS_WORD: &str = "A-Za-z0-9_";
const JS_DIGIT: &str = "0-9";

pub fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// Translates a JavaScript pattern to the regex crate's syntax.
pub fn translate(js: &str) -> String {
    let mut out = String::with_capacity(js.len() + 32);
    let mut in_class = false;
    let mut chars = js.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('d' | 'w' | 's' | 'D' | 'W' | 'S')) => {
                    let set = match e.to_ascii_lowercase() {
                        'd' => JS_DIGIT,
                        'w' => JS_WORD,
                        _ => JS_SPACE,
                    };
                    let negated = e.is_ascii_uppercase();
                    if in_class && !negated {
                        out.push_str(set);
                    } else {
                        // Outside a class, or negated inside one (a nested class).
                        out.push_str(if negated { "[^" } else { "[" });
                        out.push_str(set);
                        out.push(']');
                    }
                }
                // In a class, JS's \b is a backspace.
                Some('b') if in_class => out.push_str(r"\x08"),
                Some('b') => out.push_str(r"(?-u:\b)"),
                Some('B') => out.push_str(r"(?-u:\B)"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push_str(r"\\"),
            },
            '[' if !in_class => {
                let negated = chars.peek() == Some(&'^');
                if negated {
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    // JS's `[]` matches nothing and `[^]` anything; here `]` first is a literal.
                    chars.next();
                    out.push_str(if negated {
                        r"[\x00-\x{10FFFF}]"
                    } else {
                        r"[^\x00-\x{10FFFF}]"
                    });
                } else {
                    in_class = true;
                    out.push_str(if negated { "[^" } else { "[" });
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '-' if in_class && out.ends_with('-') => out.push_str(r"\-"),
            '.' if !in_class => out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
            _ => out.push(c),
        }
    }
    out
}

/// Compiles a JavaScript pattern as a case-insensitive (`i` flag) expression.
pub fn compile_case_insensitive(js: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&translate(js))
        .case_insensitive(true)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
}

/// Compiles patterns (each already known to compile alone) into one set, tried in one pass.
pub fn compile_set_case_insensitive<'a>(
    js: impl IntoIterator<Item = &'a str>,
) -> Result<RegexSet, regex::Error> {
    RegexSetBuilder::new(js.into_iter().map(translate))
        .case_insensitive(true)
        .size_limit(16 << 20)
        .dfa_size_limit(16 << 20)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_classes_and_boundaries() {
        assert_eq!(translate(r"\d{2}\w"), "[0-9]{2}[A-Za-z0-9_]");
        assert_eq!(translate(r"[\d.]"), "[0-9.]");
        assert_eq!(translate(r"[^\S]"), format!("[^[^{JS_SPACE}]]"));
        assert_eq!(translate(r"\bx\b"), r"(?-u:\b)x(?-u:\b)");
        assert_eq!(translate(r"\[DEPRECATED\]"), r"\[DEPRECATED\]");
        assert_eq!(translate("a.b"), r"a[^\n\r\x{2028}\x{2029}]b");
    }

    #[test]
    fn js_class_literals() {
        assert_eq!(translate("[a&&b]"), r"[a\&\&b]");
        assert_eq!(translate("[[]"), r"[\[]");
        assert_eq!(translate("[]"), r"[^\x00-\x{10FFFF}]");
        assert_eq!(translate("[^]"), r"[\x00-\x{10FFFF}]");
    }

    #[test]
    fn js_semantics_when_matching() {
        let digit = compile_case_insensitive(r"^\d$").unwrap();
        assert!(digit.is_match("7"));
        assert!(!digit.is_match("\u{0667}")); // ARABIC-INDIC DIGIT SEVEN is no \d in JS
        let word = compile_case_insensitive(r"\bé").unwrap();
        assert!(word.is_match("xé")); // é is no \w in JS: a boundary lies before it
        let dot = compile_case_insensitive("a.b").unwrap();
        assert!(!dot.is_match("a\rb"));
        let ci = compile_case_insensitive("Stack.*is in.*ROLLBACK").unwrap();
        assert!(ci.is_match("stack is in rollback_in_progress"));
        assert!(compile_case_insensitive("(?=x)").is_err());
        assert!(compile_case_insensitive(r"(a)\1").is_err());
    }
}
