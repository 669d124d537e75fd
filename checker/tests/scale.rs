//! Long histories are checked in a memo linear in their length: with a cache limit of a
//! few entries per operation (the limit counts each configuration's window words too, and
//! the transitions of the reads tested ahead), 100,000 sequential operations are still
//! decided. Sets stored as bitsets over the whole history would need 1,500 words each.

use checker::*;

#[path = "support/synthetic.rs"]
mod synthetic;
use synthetic::{sequential_gets, sequential_mix};

#[test]
fn scale_sequential_histories_fit_a_cache_limit_linear_in_their_length() {
    let n = 100_000;
    for (name, history) in [
        ("gets", sequential_gets(n)),
        ("put, get, append, get", sequential_mix(n)),
    ] {
        let options = CheckOptions {
            parallel: false,
            cache_limit: Some(8 * n),
            ..CheckOptions::default()
        };
        let result = check_operations(&KvModel::new(), &history, &options);
        assert_eq!(result.verdict, Verdict::Ok, "{name}");
        assert_eq!(result.partitions[0].configurations, n + 1, "{name}");
    }
}

#[test]
fn scale_cache_limit_below_the_need_is_unknown_not_wrong() {
    let n = 10_000;
    let options = CheckOptions {
        parallel: false,
        cache_limit: Some(n),
        ..CheckOptions::default()
    };
    let result = check_operations(&KvModel::new(), &sequential_mix(n), &options);
    assert_eq!(result.verdict, Verdict::Unknown);
}
