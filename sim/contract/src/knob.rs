//! Configuration an implementation lets the tester vary: its [`Knob`]s, and the
//! [`Settings`] a node boots with.
//!
//! A Raft that is only ever tested in its default configuration hides every bug that
//! needs another one: raft-rs with a 1 MiB message limit never sends a short append,
//! so a follower-side bug in short appends never shows. An implementation declares the
//! settings it supports ([`crate::RaftFamily::KNOBS`]), each with the values the swarm
//! may draw; the swarm draws one value per knob from the run's seed and hands them to
//! every node in [`crate::Boot::settings`]. A knob left out of the settings takes its
//! default, so an empty [`Settings`] is the shipped configuration, which is what the
//! lab scenarios always run.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One setting an implementation lets the tester vary, with the values it may take.
///
/// Every knob is a whole number (a count, milliseconds, a byte limit; 0 or 1 for a
/// switch). The values in [`Knob::choices`] must each keep the implementation within
/// the lab's limits (at most ten heartbeats per second, a leader within 5 s), and every
/// combination of them must be a configuration the implementation accepts: the swarm
/// draws each knob on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Knob {
    /// The name in [`Settings`], schedule files and reports (`entries_per_message`).
    pub name: &'static str,
    /// One line: what it sets, and its unit.
    pub about: &'static str,
    /// The shipped value: what a node uses when the settings leave the knob out.
    pub default: u64,
    /// The values the swarm draws from (the default among them); a schedule file may
    /// ask for any value between the smallest and the largest.
    pub choices: &'static [u64],
}

impl Knob {
    /// This knob's value in `settings`, or its default.
    pub fn value(&self, settings: &Settings) -> u64 {
        settings.get(self.name).unwrap_or(self.default)
    }

    /// The smallest and largest value a run may ask for: the span of the choices and
    /// the default.
    pub fn bounds(&self) -> (u64, u64) {
        self.choices
            .iter()
            .fold((self.default, self.default), |(lo, hi), &c| {
                (lo.min(c), hi.max(c))
            })
    }
}

/// The value of each knob that is not at its default, by knob name: what a node boots
/// with ([`crate::Boot::settings`]). Ordered by name, so that it prints, serialises and
/// hashes the same way every time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Settings(BTreeMap<String, u64>);

impl Settings {
    /// The shipped configuration: every knob at its default.
    pub fn defaults() -> Settings {
        Settings::default()
    }

    /// The value set for knob `name`, if any.
    pub fn get(&self, name: &str) -> Option<u64> {
        self.0.get(name).copied()
    }

    /// Sets knob `name` to `value`.
    pub fn set(&mut self, name: &str, value: u64) {
        self.0.insert(name.to_string(), value);
    }

    /// Puts knob `name` back to its default.
    pub fn unset(&mut self, name: &str) {
        self.0.remove(name);
    }

    /// True when every knob is at its default.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every (name, value) set, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.0.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Every combination of the knobs' choices, each as settings: what an
    /// implementation's tests walk to show that any draw is a configuration it accepts
    /// (the swarm draws each knob on its own).
    pub fn every_combination(knobs: &[Knob]) -> Vec<Settings> {
        knobs.iter().fold(vec![Settings::defaults()], |all, knob| {
            all.iter()
                .flat_map(|s| {
                    knob.choices.iter().map(move |&v| {
                        let mut s = s.clone();
                        s.set(knob.name, v);
                        s
                    })
                })
                .collect()
        })
    }

    /// The first setting that `knobs` does not allow: a name no knob has, or a value
    /// outside the knob's bounds. `None` when every setting is allowed.
    pub fn refusal(&self, knobs: &[Knob]) -> Option<Refusal> {
        self.iter().find_map(
            |(name, value)| match knobs.iter().find(|k| k.name == name) {
                None => Some(Refusal::Unknown {
                    name: name.to_string(),
                    known: knobs.iter().map(|k| k.name).collect(),
                }),
                Some(knob) => {
                    let (lo, hi) = knob.bounds();
                    (!(lo..=hi).contains(&value)).then(|| Refusal::OutOfRange {
                        name: name.to_string(),
                        value,
                        lo,
                        hi,
                    })
                }
            },
        )
    }
}

/// Why [`Settings`] do not fit an implementation's knobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No knob has this name.
    Unknown {
        /// The name asked for.
        name: String,
        /// The implementation's knobs.
        known: Vec<&'static str>,
    },
    /// The value is outside the knob's bounds.
    OutOfRange {
        /// The knob.
        name: String,
        /// The value asked for.
        value: u64,
        /// The smallest allowed.
        lo: u64,
        /// The largest allowed.
        hi: u64,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Unknown { name, known } if known.is_empty() => {
                write!(f, "unknown knob {name:?}: this implementation has none")
            }
            Refusal::Unknown { name, known } => {
                write!(f, "unknown knob {name:?}; known: {}", known.join(", "))
            }
            Refusal::OutOfRange {
                name,
                value,
                lo,
                hi,
            } => {
                write!(f, "knob {name} is {value}; allowed: {lo} to {hi}")
            }
        }
    }
}

impl fmt::Display for Settings {
    /// `name=value` pairs separated by spaces; `defaults` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("defaults");
        }
        for (i, (name, value)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{name}={value}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: Knob = Knob {
        name: "size",
        about: "entries per message",
        default: 64,
        choices: &[1, 8, 64],
    };

    #[test]
    fn a_knob_left_out_takes_its_default() {
        let mut s = Settings::defaults();
        assert_eq!(SIZE.value(&s), 64);
        s.set("size", 8);
        assert_eq!(SIZE.value(&s), 8);
        s.unset("size");
        assert_eq!(SIZE.value(&s), 64);
        assert_eq!(s.to_string(), "defaults");
    }

    #[test]
    fn refusal_names_unknown_knobs_and_values_out_of_bounds() {
        let mut s = Settings::defaults();
        s.set("size", 1);
        assert_eq!(s.refusal(&[SIZE]), None);
        s.set("size", 65);
        assert_eq!(
            s.refusal(&[SIZE]).map(|r| r.to_string()),
            Some("knob size is 65; allowed: 1 to 64".into())
        );
        let mut t = Settings::defaults();
        t.set("sise", 1);
        assert_eq!(
            t.refusal(&[SIZE]).map(|r| r.to_string()),
            Some("unknown knob \"sise\"; known: size".into())
        );
        assert!(t.refusal(&[]).unwrap().to_string().contains("has none"));
    }

    #[test]
    fn settings_print_and_serialise_in_name_order() {
        let mut s = Settings::defaults();
        s.set("b", 2);
        s.set("a", 1);
        assert_eq!(s.to_string(), "a=1 b=2");
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"a":1,"b":2}"#);
    }
}
