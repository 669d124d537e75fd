//! The files a command reads and writes, so that no output overwrites one of its inputs
//! or another of its outputs (`replay s.txt --json s.txt`, `run --trace X --history X`).
//!
//! Paths are compared canonicalized: symbolic links and `..` resolved, and, for a file
//! that does not exist yet, its nearest existing ancestor canonicalized and the rest
//! appended. An existing file that is neither a regular file nor a directory
//! (`/dev/null`, `/dev/full`, a FIFO) may take several outputs: writing to it destroys
//! nothing.

use crate::cli::shared::error::{Error, Result};
use std::path::{Path, PathBuf};

/// One claimed path.
#[derive(Clone, Debug)]
struct Claim {
    /// Canonical form, for comparisons.
    canonical: PathBuf,
    /// As the user typed it, for messages.
    typed: PathBuf,
    /// What it is: `--json`, `the seeds file`, `the failure's trace.txt`.
    what: String,
}

/// The paths a command reads and writes.
#[derive(Clone, Debug, Default)]
pub struct Claims {
    claims: Vec<Claim>,
}

impl Claims {
    /// Records an input, `what` naming it in messages.
    pub fn input(&mut self, path: &Path, what: &str) {
        self.push(path, what);
    }

    /// Records an output.
    ///
    /// # Errors
    /// `Usage` when `path` is an input or another output already claimed.
    pub fn output(&mut self, path: &Path, what: &str) -> Result<()> {
        if let Some(other) = self.owner(path) {
            return Err(Error::Usage(format!(
                "{what} {} would overwrite {} {}: give each output its own file",
                path.display(),
                other.what,
                other.typed.display()
            )));
        }
        self.push(path, what);
        Ok(())
    }

    /// What claimed `path` already, as `"<what> <path as typed>"`; `None` when nothing
    /// did, or when it is a device or FIFO.
    pub fn claimed_by(&self, path: &Path) -> Option<String> {
        self.owner(path)
            .map(|c| format!("{} {}", c.what, c.typed.display()))
    }

    fn owner(&self, path: &Path) -> Option<&Claim> {
        if is_special(path) {
            return None;
        }
        let canonical = canonical(path);
        self.claims.iter().find(|c| c.canonical == canonical)
    }

    fn push(&mut self, path: &Path, what: &str) {
        if is_special(path) {
            return;
        }
        self.claims.push(Claim {
            canonical: canonical(path),
            typed: path.to_path_buf(),
            what: what.to_string(),
        });
    }
}

/// True for an existing file that is neither regular nor a directory.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// `path` with links and `..` resolved as far as it exists; the missing rest appended.
/// A dangling symbolic link resolves to where it points: writing through it creates
/// that file, so it is that file's claim.
pub fn canonical(path: &Path) -> PathBuf {
    canonical_within(path, LINK_HOPS_MAX)
}

/// The most links [`canonical`] follows by hand, as the kernel's own limit (ELOOP).
const LINK_HOPS_MAX: u32 = 40;

fn canonical_within(path: &Path, hops: u32) -> PathBuf {
    if let Ok(found) = std::fs::canonicalize(path) {
        return found;
    }
    if let (Some(left), Ok(target)) = (hops.checked_sub(1), std::fs::read_link(path)) {
        let next = match path.parent() {
            Some(parent) if target.is_relative() => parent.join(target),
            _ => target,
        };
        return canonical_within(&next, left);
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => canonical_within(parent, hops).join(name),
        _ => absolute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("raftsim-claims-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    #[test]
    fn output_same_as_input_or_output_is_usage_error() {
        let dir = scratch("same");
        let input = dir.join("s.txt");
        std::fs::write(&input, "x").unwrap_or_else(|e| panic!("{e}"));
        let mut claims = Claims::default();
        claims.input(&input, "the seeds file");
        // The same file reached another way, and a file that does not exist yet, twice.
        let other_way = dir.join("sub/../s.txt");
        std::fs::create_dir_all(dir.join("sub")).unwrap_or_else(|e| panic!("{e}"));
        match claims.output(&other_way, "--json") {
            Err(Error::Usage(msg)) => assert!(
                msg.contains("would overwrite the seeds file") && msg.contains("s.txt"),
                "{msg}"
            ),
            other => panic!("accepted: {other:?}"),
        }
        let new = dir.join("new/deeper/t.txt");
        claims
            .output(&new, "--trace")
            .unwrap_or_else(|e| panic!("{e}"));
        let again = dir.join("new/./deeper/t.txt");
        assert!(matches!(
            claims.output(&again, "--history"),
            Err(Error::Usage(_))
        ));
        assert_eq!(
            claims.claimed_by(&again),
            Some(format!("--trace {}", new.display()))
        );
        claims
            .output(&dir.join("h.json"), "--history")
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn output_devices_may_take_several_outputs() {
        let mut claims = Claims::default();
        for what in ["--trace", "--history", "--html"] {
            claims
                .output(Path::new("/dev/null"), what)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(claims.claimed_by(Path::new("/dev/null")), None);
    }

    #[cfg(unix)]
    #[test]
    fn output_through_dangling_symlink_collides_with_its_target() {
        let dir = scratch("dangling");
        let link = dir.join("link.json");
        std::os::unix::fs::symlink("later.json", &link).unwrap_or_else(|e| panic!("{e}"));
        let mut claims = Claims::default();
        claims
            .output(&dir.join("later.json"), "--trace")
            .unwrap_or_else(|e| panic!("{e}"));
        match claims.output(&link, "--timeline") {
            Err(Error::Usage(msg)) => assert!(msg.contains("would overwrite --trace"), "{msg}"),
            other => panic!("accepted: {other:?}"),
        }
        // A loop of links ends, and names the link itself.
        let (a, b) = (dir.join("a"), dir.join("b"));
        std::os::unix::fs::symlink(&b, &a).unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink(&a, &b).unwrap_or_else(|e| panic!("{e}"));
        let _ = canonical(&a);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn canonical_follows_symlinks_of_existing_parents() {
        let dir = scratch("link");
        let real = dir.join("real");
        std::fs::create_dir_all(&real).unwrap_or_else(|e| panic!("{e}"));
        let link = dir.join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            canonical(&link.join("f.json")),
            canonical(&real.join("f.json"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
