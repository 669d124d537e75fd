//! A history file's bytes as text.
//!
//! ```
//! use checker::decode_utf8;
//! let err = decode_utf8(b"ok\n\xff", "h.log").expect_err("not UTF-8");
//! assert!(err.to_string().starts_with("h.log:2:1: expected UTF-8 text"));
//! ```

use super::error::{Position, Result};

/// Reads `bytes` as UTF-8 text, without a leading byte-order mark.
///
/// # Errors
/// [`Error::Syntax`] at the line and column of the first byte that is not UTF-8.
pub fn decode_utf8<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = error.valid_up_to();
        // The prefix up to `valid` is UTF-8, so these slices cannot fail.
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |k| k + 1);
        let line = before.matches('\n').count() + 1;
        let position = Position::in_line(line, &before[line_start..], valid - line_start);
        let found = bytes[valid..]
            .iter()
            .take(error.error_len().unwrap_or(bytes.len() - valid).max(1))
            .map(|b| format!("0x{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ");
        let found = match found.as_str() {
            "" => "the end of the input".to_string(),
            _ => format!("byte(s) {found}"),
        };
        position.error(file, "UTF-8 text", found)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_invalid_utf8_names_line_and_column() {
        let cases: [(&[u8], &str); 4] = [
            (
                b"ab\ncd\xffe",
                "f:2:3: expected UTF-8 text, found byte(s) 0xFF",
            ),
            (b"\xc3", "f:1:1: expected UTF-8 text, found byte(s) 0xC3"),
            (
                b"\xc3\xa9\xc3(",
                "f:1:2: expected UTF-8 text, found byte(s) 0xC3",
            ),
            (
                b"x\n\n\xed\xa0\x80",
                "f:3:1: expected UTF-8 text, found byte(s) 0xED",
            ),
        ];
        for (bytes, expected) in cases {
            let err = decode_utf8(bytes, "f").expect_err(expected).to_string();
            assert!(err.starts_with(expected), "{err}\nwant {expected}");
        }
        assert_eq!(decode_utf8(b"\xEF\xBB\xBFok", "f").expect("BOM"), "ok");
        assert_eq!(decode_utf8("é\n".as_bytes(), "f").expect("UTF-8"), "é\n");
    }
}
