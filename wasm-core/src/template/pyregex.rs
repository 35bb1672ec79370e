//! Python `re` patterns on `fancy-regex`: the few spellings that differ are translated,
//! and `findall`'s result shape is reproduced.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use fancy_regex::Regex;

/// Upper bound on a compiled pattern's size, so a hostile template cannot exhaust memory.
const SIZE_LIMIT: usize = 1 << 22;

/// Compiles a Python-style pattern; the error is the engine's message.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    fancy_regex::RegexBuilder::new(&translate(pattern))
        .delegate_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// A template's compiled patterns, by their text: each is compiled once — when the
/// template is loaded and checked, or else the first time it is used — and shared by
/// the template's clones. Keyed by the pattern itself, so a template edited later
/// compiles its new patterns on use and never runs a stale one.
#[derive(Clone, Default)]
pub struct Patterns(Arc<Mutex<HashMap<String, Compiled>>>);

/// A pattern compiled, or the engine's message.
type Compiled = Result<Arc<Regex>, String>;

impl Patterns {
    /// The compiled pattern, or the engine's message.
    pub fn get(&self, pattern: &str) -> Compiled {
        let mut map = match self.0.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(r) = map.get(pattern) {
            return r.clone();
        }
        let r = compile(pattern).map(Arc::new);
        map.insert(pattern.to_string(), r.clone());
        r
    }

    /// How many patterns are compiled.
    pub fn len(&self) -> usize {
        self.0.lock().map_or(0, |m| m.len())
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A cache is not part of a template's value: any two compare equal.
impl PartialEq for Patterns {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Patterns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Patterns({} compiled)", self.len())
    }
}

/// Rewrites Python-only spellings: `{,n}` → `{0,n}`, `\Z` → `\z`.
fn translate(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push('\\');
                match chars.next() {
                    Some('Z') => out.push('z'),
                    Some(n) => out.push(n),
                    None => {}
                }
            }
            '{' if chars.peek() == Some(&',') => out.push_str("{0"),
            c => out.push(c),
        }
    }
    out
}

/// Python's `re.findall`: for each match, the first capture group that took part (the
/// whole match when the pattern has no groups).
pub fn findall(re: &Regex, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for caps in re.captures_iter(text) {
        let Ok(caps) = caps else { break };
        let m = if caps.len() > 1 {
            (1..caps.len()).find_map(|i| caps.get(i))
        } else {
            caps.get(0)
        };
        if let Some(m) = m {
            out.push(m.as_str().to_string());
        }
    }
    out
}

/// Python's `re.sub` replacement syntax (`\1`, `\g<name>`) in `regex`'s (`${1}`, `${name}`).
pub fn translate_replacement(r: &str) -> String {
    let mut out = String::with_capacity(r.len());
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    chars.next();
                    out.push_str(&format!("${{{d}}}"));
                }
                Some('g') => {
                    chars.next();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        let name: String = chars.by_ref().take_while(|&c| c != '>').collect();
                        out.push_str(&format!("${{{name}}}"));
                    } else {
                        out.push_str("\\g");
                    }
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_spellings_compile() {
        let re = compile(r"(?P<desc>.{,5})\Z").expect("compiles");
        assert_eq!(findall(&re, "abcdefg"), vec!["cdefg"]);
        assert!(compile(r"(?<=Total )\d+").is_ok(), "look-behind");
        assert!(compile(r"(unclosed").is_err());
    }

    #[test]
    fn findall_takes_the_group_or_the_whole_match() {
        let re = compile(r"VF\d{3}").expect("re");
        assert_eq!(findall(&re, "VF123 VF456"), vec!["VF123", "VF456"]);
        let re = compile(r"Total (\d+)").expect("re");
        assert_eq!(findall(&re, "Total 35"), vec!["35"]);
    }

    #[test]
    fn replacement_syntax() {
        assert_eq!(translate_replacement(r"\g<a> \1 $"), "${a} ${1} $$");
    }
}
