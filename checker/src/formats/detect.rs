//! Guessing a history file's format from its name and first lines.
//!
//! ```
//! use checker::{decode_utf8, Format};
//! let bytes = b"INFO  jepsen.util - 0\t:invoke\t:read\tnil\n";
//! let text = decode_utf8(bytes, "h.log").expect("UTF-8");
//! assert_eq!(Format::detect("h.log", text), Some(Format::Jepsen));
//! ```

use std::path::Path;

use super::format::Format;
use super::jepsen::{event_start, tokens};

impl Format {
    /// Guesses the format of `text`, read from the file named `file`.
    ///
    /// A `.json` file, or one whose first non-blank line opens a JSON object, is JSON; a
    /// first line opening an EDN map (`{:`) is Porcupine KV; any other `.log` file is a
    /// Jepsen log (even an empty one, so that its error names the format), and so is a
    /// text with a `jepsen.util` event line anywhere (real Jepsen logs open with many
    /// lines of set-up). Otherwise `None`.
    pub fn detect(file: &str, text: &str) -> Option<Format> {
        let extension = Path::new(file).extension();
        if extension.is_some_and(|e| e == "json") {
            return Some(Format::Json);
        }
        let first = text.lines().map(str::trim).find(|l| !l.is_empty());
        match first {
            Some(line) if line.starts_with("{\"") || line == "{" => return Some(Format::Json),
            Some(line) if line.starts_with("{:") => return Some(Format::PorcupineKv),
            _ if extension.is_some_and(|e| e == "log") => return Some(Format::Jepsen),
            _ => {}
        }
        let jepsen = text
            .lines()
            .any(|line| event_start(&tokens(line)).is_some());
        jepsen.then_some(Format::Jepsen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_reads_extension_first_line_and_jepsen_lines() {
        let cases = [
            ("a.txt", "{:process 0, :type :invoke}", Some(Format::PorcupineKv)),
            ("a.txt", "INFO  jepsen.util - 1\t:invoke\t:read\tnil", Some(Format::Jepsen)),
            (
                "a.txt",
                "2017-03-30 14:11:51,588{GMT}\tINFO\t[jepsen test runner] jepsen.core: start\n\
                 2017-03-30 14:11:51,600{GMT}\tINFO\t[jepsen worker 0] jepsen.util: 0\t:invoke\t:read\tnil",
                Some(Format::Jepsen),
            ),
            ("a.txt", "{\"format\": \"raftsim-history\"", Some(Format::Json)),
            ("a.json", "garbage", Some(Format::Json)),
            ("a.log", "", Some(Format::Jepsen)),
            ("a.log", "\n  \n", Some(Format::Jepsen)),
            ("a.txt", "", None),
            ("a.txt", "hello", None),
            ("a.log", "INFO  jepsen.core - Worker 0 starting", Some(Format::Jepsen)),
            ("a.txt", "INFO  jepsen.core - Worker 0 starting", None),
            ("a.log", "{:process 0}", Some(Format::PorcupineKv)),
        ];
        for (file, text, expected) in cases {
            assert_eq!(Format::detect(file, text), expected, "{file}: {text}");
        }
    }
}
