//! Reading one input of `check`, a file or standard input, with a bound on its size, so
//! that `check /dev/zero` (or a runaway pipe) ends with an error instead of exhausting
//! memory.

use std::io::Read;
use std::path::Path;

use super::views;

/// The default bound on one input's size (`--input-bytes-max`): far above any history the
/// checker decides in reasonable time (Porcupine's largest logs are a few MB).
pub const INPUT_BYTES_MAX: u64 = 256 << 20;

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file (or standard input) could not be read.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// It holds more than the bound allows (exit 65, like other input the checker
    /// refuses).
    #[error(
        "larger than {bytes_max} bytes, the bound on an input (raise it with --input-bytes-max)"
    )]
    TooLarge {
        /// The bound.
        bytes_max: u64,
    },
}

/// Reads a file, or standard input for `-`: its name for messages, and at most
/// `bytes_max` bytes of it.
pub fn read(path: &Path, bytes_max: u64) -> (String, Result<Vec<u8>, InputError>) {
    if views::is_stdin(path) {
        let bytes = bounded(std::io::stdin().lock(), bytes_max);
        return (views::STDIN_NAME.to_string(), bytes);
    }
    let name = path.display().to_string();
    let bytes = std::fs::File::open(path)
        .map_err(InputError::from)
        .and_then(|file| bounded(file, bytes_max));
    (name, bytes)
}

/// Reads all of `reader` if it holds at most `bytes_max` bytes. One byte past the bound is
/// read to tell a file of exactly `bytes_max` bytes from a larger one.
///
/// # Errors
/// [`InputError::TooLarge`] past the bound; [`InputError::Io`] if a read fails.
pub fn bounded(reader: impl Read, bytes_max: u64) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    reader
        .take(bytes_max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > bytes_max {
        return Err(InputError::TooLarge { bytes_max });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_bounded_reads_up_to_the_bound_and_refuses_more() {
        let cases: [(&[u8], u64, Option<usize>); 5] = [
            (b"", 0, Some(0)),
            (b"abc", 3, Some(3)),
            (b"abc", 2, None),
            (b"abc", 0, None),
            (b"abc", u64::MAX, Some(3)),
        ];
        for (data, bytes_max, expected) in cases {
            let read = bounded(data, bytes_max);
            match expected {
                Some(len) => assert_eq!(read.expect("within the bound").len(), len),
                None => assert!(
                    matches!(read, Err(InputError::TooLarge { bytes_max: b }) if b == bytes_max),
                    "{data:?} {bytes_max}"
                ),
            }
        }
    }

    #[test]
    fn input_dev_zero_ends_with_too_large() {
        let zero = Path::new("/dev/zero");
        if !zero.exists() {
            return;
        }
        let (name, read) = read(zero, 1 << 16);
        assert_eq!(name, "/dev/zero");
        let error = read.expect_err("an endless file is refused");
        assert!(
            error.to_string().contains("larger than 65536 bytes"),
            "{error}"
        );
    }
}
