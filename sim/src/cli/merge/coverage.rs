//! Whether a set of shard files covers one sweep exactly: one sweep, every shard once,
//! every planned run once. The plan is rebuilt with the one plan builder
//! ([`crate::cli::sweep::plan`]), so a run's place is computed, never searched for.

use crate::cli::batch::header::Sweep;
use crate::cli::merge::shard_file::ShardFile;
use crate::cli::shared::error::{Error, Result};
use crate::cli::shared::record::Record;
use crate::cli::sweep::plan::{self, Slot};
use std::collections::BTreeMap;

/// How many missing shards or runs a message names before it only counts them.
const NAMED_MAX: usize = 5;

/// The records of the whole sweep `files` are the shards of, in the sweep's order.
///
/// # Errors
/// `Data` (exit 65) naming `file:line` for a file of another sweep or of another split
/// into shards, a shard given twice, a run that is not its shard's or is repeated; and
/// naming the shards missing, or each shard's missing runs (how many, and the first).
///
/// # Panics
/// When `files` is empty.
pub fn merge(files: Vec<ShardFile>) -> Result<(Sweep, Vec<Record>)> {
    let first = files.first().expect("merge of no file");
    let (sweep, split, origin) = (first.sweep.clone(), first.shard, first.at(1));
    let mut by_index: BTreeMap<u64, ShardFile> = BTreeMap::new();
    for file in files {
        if let Some(field) = difference(&file.sweep, &sweep) {
            return Err(Error::Data(format!(
                "{}: another sweep than {origin}'s: {field}",
                file.at(1)
            )));
        }
        if file.shard.count() != split.count() {
            return Err(Error::Data(format!(
                "{}: shard {}, but {origin} is shard {split}: another split of the sweep",
                file.at(1),
                file.shard
            )));
        }
        if let Some(other) = by_index.get(&file.shard.index()) {
            return Err(Error::Data(format!(
                "{}: shard {} again (also {})",
                file.at(1),
                file.shard,
                other.at(1)
            )));
        }
        by_index.insert(file.shard.index(), file);
    }
    missing_shards(&by_index, split.count())?;
    let mut slots = Vec::with_capacity(by_index.len());
    for file in by_index.values_mut() {
        slots.push(place(&sweep, file)?);
    }
    missing_runs(&sweep, &by_index, &slots)?;
    let total = usize::try_from(sweep.runs()).expect("a planned sweep fits in memory");
    let mut shards: Vec<std::vec::IntoIter<Option<Record>>> =
        slots.into_iter().map(Vec::into_iter).collect();
    let width = shards.len();
    let records: Vec<Record> = (0..total)
        .map(|k| {
            shards[k % width]
                .next()
                .flatten()
                .unwrap_or_else(|| panic!("run {k}: checked present, then lost"))
        })
        .collect();
    assert_eq!(records.len(), total, "merge lost runs");
    assert!(
        shards.iter_mut().all(|s| s.next().is_none()),
        "runs left over"
    );
    Ok((sweep, records))
}

/// The first field in which sweep `a` differs from `b`, as `its FIELD is A, not B`.
fn difference(a: &Sweep, b: &Sweep) -> Option<String> {
    let text = |o: &Option<String>| o.as_ref().map_or("none".to_string(), |s| format!("{s:?}"));
    let fields = [
        (
            "command",
            a.command.label().to_string(),
            b.command.label().to_string(),
        ),
        ("raft", a.raft.clone(), b.raft.clone()),
        ("filter", text(&a.filter), text(&b.filter)),
        ("workload", text(&a.workload), text(&b.workload)),
        ("scenarios", a.scenarios.join(","), b.scenarios.join(",")),
        ("seeds", a.seeds.to_string(), b.seeds.to_string()),
        (
            "knobs",
            a.knobs.name().to_string(),
            b.knobs.name().to_string(),
        ),
        (
            "check_determinism",
            a.check_determinism.to_string(),
            b.check_determinism.to_string(),
        ),
    ];
    let found = fields
        .into_iter()
        .find(|(_, x, y)| x != y)
        .map(|(name, x, y)| format!("its {name} is {x}, not {y}"));
    assert_eq!(
        found.is_none(),
        a == b,
        "a field missing from the comparison"
    );
    found
}

/// An error naming the shards of `0..count` that no file holds.
fn missing_shards(by_index: &BTreeMap<u64, ShardFile>, count: u64) -> Result<()> {
    let present = by_index.len() as u64;
    assert!(present <= count, "{present} shards of {count}");
    if present == count {
        return Ok(());
    }
    let named: Vec<String> = (0..count)
        .filter(|i| !by_index.contains_key(i))
        .take(NAMED_MAX)
        .map(|i| format!("{i}/{count}"))
        .collect();
    let more = count - present - named.len() as u64;
    Err(Error::Data(format!(
        "missing {} of {count} shard(s): {}{}; give every shard's --json file",
        count - present,
        named.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )))
}

/// The records of `file` (taken from it) in its shard's order, `None` where a run is
/// missing.
fn place(sweep: &Sweep, file: &mut ShardFile) -> Result<Vec<Option<Record>>> {
    let count = sweep.scenarios.len();
    let planned = plan::slots(count, sweep.seeds, file.shard)
        .map_err(|e| Error::Data(format!("{}: {e}", file.at(1))))?;
    let index: BTreeMap<&str, usize> = sweep
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut slots: Vec<Option<(usize, Record)>> = vec![None; planned.len()];
    let shards = u128::from(file.shard.count());
    for (line, record) in std::mem::take(&mut file.runs) {
        let at = file.at(line);
        let run = format!("{} seed {}", record.scenario, record.seed);
        let k = index
            .get(record.scenario.as_str())
            .and_then(|&scenario| {
                let slot = Slot {
                    scenario,
                    seed: record.seed,
                };
                plan::run_number(count, sweep.seeds, slot)
            })
            .ok_or_else(|| {
                Error::Data(format!(
                    "{at}: {run} is not a run of the sweep ({} scenario(s) x seeds {})",
                    count, sweep.seeds
                ))
            })?;
        if !file.shard.owns(k) {
            return Err(Error::Data(format!(
                "{at}: {run} is run {k} of the sweep, shard {}/{shards}'s, not this file's {}",
                k % shards,
                file.shard
            )));
        }
        let j = usize::try_from(k / shards).expect("a shard's runs fit in memory");
        assert_eq!(
            (planned[j].scenario, planned[j].seed),
            (index[record.scenario.as_str()], record.seed),
            "{at}: the plan and the run number disagree"
        );
        if let Some((first, _)) = &slots[j] {
            return Err(Error::Data(format!(
                "{at}: {run} again (first at {})",
                file.at(*first)
            )));
        }
        slots[j] = Some((line, record));
    }
    Ok(slots.into_iter().map(|s| s.map(|(_, r)| r)).collect())
}

/// An error naming, for each shard with missing runs, how many and the first few.
fn missing_runs(
    sweep: &Sweep,
    by_index: &BTreeMap<u64, ShardFile>,
    slots: &[Vec<Option<Record>>],
) -> Result<()> {
    let mut parts = Vec::new();
    let mut missing_total = 0;
    for (file, placed) in by_index.values().zip(slots) {
        let missing: Vec<usize> = (0..placed.len()).filter(|&j| placed[j].is_none()).collect();
        if missing.is_empty() {
            continue;
        }
        missing_total += missing.len();
        let planned = plan::slots(sweep.scenarios.len(), sweep.seeds, file.shard)
            .unwrap_or_else(|e| panic!("planned before: {e}"));
        let named: Vec<String> = missing
            .iter()
            .take(NAMED_MAX)
            .map(|&j| {
                format!(
                    "{} seed {}",
                    sweep.scenarios[planned[j].scenario], planned[j].seed
                )
            })
            .collect();
        parts.push(format!(
            "{} of shard {} ({}): {}{}",
            missing.len(),
            file.shard,
            file.path.display(),
            named.join(", "),
            if missing.len() > named.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    if parts.is_empty() {
        return Ok(());
    }
    Err(Error::Data(format!(
        "missing {missing_total} run(s) of the sweep: {}; an interrupted or failed shard leaves runs out: run it again",
        parts.join("; ")
    )))
}
