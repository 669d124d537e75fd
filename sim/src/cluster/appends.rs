//! The lab's `checkClntAppends`: a client's appends to its key all appear in the value,
//! each exactly once, in the order they were made.

use crate::ensure;
use crate::outcome::Verdict;

/// Checks that every element `x {clnt} {j} y` for `j < count` appears exactly once in
/// `v`, at increasing offsets as `j` grows. Failures name the first `j` that breaks a
/// rule, with the lab's messages.
///
/// The lab searches `v` for each `j` in turn, which is quadratic: a value grows by one
/// element per append, and the many-client 3A/3B tests make thousands of appends per
/// key. This reads `v` once instead. It finds the same occurrences, because an element
/// has its only `x` at its start: two occurrences of elements cannot overlap, and from a
/// given `x` at most one `j` can match (its digits run up to the `" y"`).
pub fn check_clnt_appends(clnt: usize, v: &str, count: u64) -> Verdict {
    let prefix = format!("x {clnt} ");
    let len = usize::try_from(count).expect("count fits in memory");
    // For each j < count: the offset of its first occurrence and how many there are.
    let mut first = vec![None; len];
    let mut seen = vec![0u32; len];
    for (off, _) in v.match_indices(&prefix) {
        let rest = &v[off + prefix.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || !rest[digits..].starts_with(" y") {
            continue;
        }
        // Only the canonical spelling of j is its element ("x 1 01 y" is no element).
        let text = &rest[..digits];
        let Ok(j) = text.parse::<u64>() else {
            continue;
        };
        if j >= count || text != j.to_string() {
            continue;
        }
        let j = j as usize;
        first[j].get_or_insert(off);
        seen[j] += 1;
    }
    let mut last_off = None;
    for j in 0..len {
        let wanted = format!("x {clnt} {j} y");
        let Some(off) = first[j] else {
            crate::fail!("{clnt} missing element {wanted} in Append result {v}");
        };
        ensure!(seen[j] == 1, "duplicate element {wanted} in Append result");
        ensure!(
            last_off.is_none_or(|l| off > l),
            "wrong order for element {wanted} in Append result"
        );
        last_off = Some(off);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimRng;

    /// The lab's algorithm, word for word: the oracle for the one-pass version.
    fn lab_check(clnt: usize, v: &str, count: u64) -> Verdict {
        let mut last_off = None;
        for j in 0..count {
            let wanted = format!("x {clnt} {j} y");
            let Some(off) = v.find(&wanted) else {
                crate::fail!("{clnt} missing element {wanted} in Append result {v}");
            };
            ensure!(
                v.rfind(&wanted) == Some(off),
                "duplicate element {wanted} in Append result"
            );
            ensure!(
                last_off.is_none_or(|l| off > l),
                "wrong order for element {wanted} in Append result"
            );
            last_off = Some(off);
        }
        Ok(())
    }

    #[test]
    fn appends_in_order_pass_and_each_fault_is_named() {
        let good: String = (0..12).map(|j| format!("x 3 {j} y")).collect();
        assert_eq!(check_clnt_appends(3, &good, 12), Ok(()));
        let missing = good.replace("x 3 7 y", "");
        let err = check_clnt_appends(3, &missing, 12).unwrap_err().0;
        assert!(err.starts_with("3 missing element x 3 7 y"), "{err}");
        let dup = format!("{good}x 3 4 y");
        let err = check_clnt_appends(3, &dup, 12).unwrap_err().0;
        assert_eq!(err, "duplicate element x 3 4 y in Append result");
        let swapped = good.replace("x 3 5 y", "#").replace("x 3 6 y", "x 3 5 y");
        let swapped = swapped.replace('#', "x 3 6 y");
        let err = check_clnt_appends(3, &swapped, 12).unwrap_err().0;
        assert_eq!(err, "wrong order for element x 3 6 y in Append result");
    }

    #[test]
    fn one_pass_agrees_with_the_lab_on_random_values() {
        let mut rng = SimRng::new(11);
        let pieces = [
            "x 1 ", "x 11 ", "x 1 1", "0", "1", "2", " y", "y", "x", " ", "x 1 01 y",
        ];
        let mut kinds = [0u32; 4];
        for case in 0..4000 {
            let mut v = String::new();
            for _ in 0..rng.below(12) {
                if rng.chance(0.6) {
                    v.push_str(&format!("x 1 {} y", rng.below(5)));
                } else {
                    v.push_str(pieces[rng.below(pieces.len() as u64) as usize]);
                }
            }
            let count = rng.below(5);
            let verdict = check_clnt_appends(1, &v, count);
            assert_eq!(
                verdict,
                lab_check(1, &v, count),
                "case {case}: {v:?} count {count}"
            );
            let kind = match verdict {
                Ok(()) => 0,
                Err(e) if e.0.contains("missing") => 1,
                Err(e) if e.0.contains("duplicate") => 2,
                Err(_) => 3,
            };
            kinds[kind] += 1;
        }
        // The cases exercise every outcome: pass, missing, duplicate, wrong order.
        assert!(kinds.iter().all(|&k| k >= 50), "{kinds:?}");
    }
}
