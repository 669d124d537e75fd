//! The HTML view: one self-contained page (no network) that draws a history and what the
//! checker found.
//!
//! One row per client; each operation is a box from its call to its return (pending
//! operations run to the right edge). Time is drawn by rank (distinct event times, evenly
//! spaced), so short and long gaps take the same room. Each searched partition's longest
//! linearizable prefix is drawn as points joined in order; operations that could not come
//! next are red. Hovering shows the operation and the states before and after it. A button
//! jumps to the first error. State descriptions are clipped, so the page stays well under
//! 2 KB per operation.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::api::{CheckResult, PartitionVerdict};
use crate::history::Operation;
use crate::model::Model;

/// Longest state or operation description kept in the page (characters).
const DESCRIPTION_CHARS_MAX: usize = 240;

#[derive(Serialize)]
struct Page {
    title: String,
    verdict: String,
    clients: Vec<u64>,
    ranks: usize,
    /// Per operation: [row, call rank, return rank (-1: pending), partition].
    ops: Vec<[i64; 4]>,
    descriptions: Vec<String>,
    partitions: Vec<PagePartition>,
}

#[derive(Serialize)]
struct PagePartition {
    verdict: String,
    initial: String,
    /// The prefix: [op, state after].
    path: Vec<(usize, String)>,
    /// Could not come next: [op, state after or null if illegal].
    rejected: Vec<(usize, Option<String>)>,
}

/// Renders a check result as one self-contained HTML page.
///
/// # Panics
/// If `history` or `model` is not the one `result` was computed from.
pub fn to_html<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    result: &CheckResult,
    title: &str,
) -> String {
    let mut times: Vec<u64> = history
        .iter()
        .flat_map(|op| [Some(op.call.0), op.outcome.return_time().map(|t| t.0)])
        .flatten()
        .collect();
    times.sort_unstable();
    times.dedup();
    let rank = |t: u64| times.binary_search(&t).map_or(0, |r| r as i64);
    let clients: Vec<u64> = {
        let mut ids: Vec<u64> = history.iter().map(|op| op.client.0).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let row: BTreeMap<u64, i64> = clients
        .iter()
        .enumerate()
        .map(|(k, &c)| (c, k as i64))
        .collect();
    let mut partition_of = vec![-1i64; history.len()];
    for (k, part) in result.partitions.iter().enumerate() {
        for &op in &part.ops {
            partition_of[op] = k as i64;
        }
    }
    let ops = history
        .iter()
        .enumerate()
        .map(|(k, op)| {
            let ret = op.outcome.return_time().map_or(-1, |t| rank(t.0));
            [
                row.get(&op.client.0).copied().unwrap_or(0),
                rank(op.call.0),
                ret,
                partition_of[k],
            ]
        })
        .collect();
    let descriptions = history
        .iter()
        .map(|op| clip_chars(&model.describe_operation(&op.input, op.output())))
        .collect();
    let explained = result.explain(model, history);
    let mut partitions: Vec<PagePartition> = result
        .partitions
        .iter()
        .map(|p| PagePartition {
            verdict: verdict_name(p.verdict),
            initial: String::new(),
            path: Vec::new(),
            rejected: Vec::new(),
        })
        .collect();
    for explanation in explained {
        let page = &mut partitions[explanation.partition];
        page.initial = clip_chars(&explanation.prefix.first().map_or_else(
            || model.describe_state(&model.init()),
            |s| s.state_before.clone(),
        ));
        page.path = explanation
            .prefix
            .iter()
            .map(|s| (s.op, clip_chars(&s.state_after)))
            .collect();
        page.rejected = explanation
            .rejected
            .iter()
            .map(|r| (r.op, r.state_after.as_deref().map(clip_chars)))
            .collect();
        // An output no order of the writes produces is illegal in every state: red too,
        // so that "jump to first error" finds it.
        page.rejected
            .extend(explanation.impossible.iter().map(|i| (i.op, None)));
    }
    let page = Page {
        title: title.to_string(),
        verdict: result.verdict.to_string(),
        clients,
        ranks: times.len(),
        ops,
        descriptions,
        partitions,
    };
    // `<` is escaped so that no string can close the script element.
    let data = serde_json::to_string(&page)
        .unwrap_or_else(|_| "null".to_string())
        .replace('<', "\\u003c");
    fill(
        TEMPLATE,
        &[
            ("@TITLE@", &escape_html(title)),
            ("@DATA@", &data),
            ("@SCRIPT@", SCRIPT),
        ],
    )
}

/// Replaces markers in one left-to-right pass, so inserted text is never rescanned.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    loop {
        let next = values
            .iter()
            .filter_map(|&(marker, value)| rest.find(marker).map(|at| (at, marker, value)))
            .min_by_key(|m| m.0);
        match next {
            Some((at, marker, value)) => {
                out.push_str(&rest[..at]);
                out.push_str(value);
                rest = &rest[at + marker.len()..];
            }
            None => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

fn verdict_name(verdict: PartitionVerdict) -> String {
    match verdict {
        PartitionVerdict::Ok => "Ok".into(),
        PartitionVerdict::Illegal => "Illegal".into(),
        PartitionVerdict::Unknown(limit) => format!("Unknown ({limit:?})"),
        PartitionVerdict::Skipped => "Skipped".into(),
    }
}

/// Keeps at most [`DESCRIPTION_CHARS_MAX`] characters: both ends, with the count cut.
fn clip_chars(text: &str) -> String {
    let count = text.chars().count();
    if count <= DESCRIPTION_CHARS_MAX {
        return text.to_string();
    }
    let head = DESCRIPTION_CHARS_MAX / 3;
    let tail = DESCRIPTION_CHARS_MAX - head - 20;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}…({} chars)…{end}", count - head - tail)
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>@TITLE@</title>
<style>
body{font:13px system-ui,sans-serif;margin:0;color:#222}
header{position:sticky;top:0;background:#f7f7f7;border-bottom:1px solid #ccc;padding:6px 10px;z-index:2}
#wrap{overflow:auto;padding:4px}
.op{fill:#dde8f5;stroke:#6a8bb5}.op.lin{fill:#cfe9d2;stroke:#4c9a57}.op.bad{fill:#f6c4c4;stroke:#c0392b;stroke-width:2}
.op.pending{stroke-dasharray:4 2}.op.focus{stroke:#000;stroke-width:3}
.lbl{font:10px monospace;pointer-events:none}.client{font:11px monospace;fill:#555}
#tip{position:fixed;display:none;background:#fffbe6;border:1px solid #aa9;padding:6px;max-width:520px;font:12px monospace;white-space:pre-wrap;z-index:3;pointer-events:none}
.Ok{color:#2e7d32}.Illegal{color:#c62828}.Unknown{color:#b26a00}
</style></head><body>
<header><b>@TITLE@</b> — verdict <b id="verdict"></b> · <span id="summary"></span>
<button id="jump">jump to first error</button></header>
<div id="wrap"><svg id="view" xmlns="http://www.w3.org/2000/svg"></svg></div>
<div id="tip"></div><div id="report" hidden></div><pre id="errors"></pre>
<script type="application/json" id="data">@DATA@</script>
<script>@SCRIPT@</script>
</body></html>
"#;

const SCRIPT: &str = r#"
window.onerror = function (msg, src, line) {
  document.getElementById('errors').textContent += 'script error: ' + msg + ' at line ' + line + '\n';
};
(function () {
  var d = JSON.parse(document.getElementById('data').textContent);
  var NS = 'http://www.w3.org/2000/svg', UNIT = 36, ROW = 26, LEFT = 70, TOP = 8;
  var svg = document.getElementById('view'), tip = document.getElementById('tip');
  var right = LEFT + (d.ranks + 1) * UNIT + 20;
  svg.setAttribute('width', right);
  svg.setAttribute('height', TOP + d.clients.length * ROW + 10);
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    (parent || svg).appendChild(e);
    return e;
  }
  function x(rank) { return LEFT + rank * UNIT; }
  d.clients.forEach(function (c, r) {
    el('text', {x: 4, y: TOP + r * ROW + 16, 'class': 'client'}).textContent = 'client ' + c;
  });
  var info = d.ops.map(function () { return {}; });
  var colors = ['#1f6fb2', '#8e44ad', '#16a085', '#d35400', '#2c3e50', '#7f8c2d'];
  var firstError = -1, bad = 0, linearized = 0;
  d.partitions.forEach(function (p, k) {
    var before = p.initial;
    p.path.forEach(function (s, i) {
      info[s[0]] = {step: i + 1, partition: k, before: before, after: s[1]};
      before = s[1];
      linearized++;
    });
    p.rejected.forEach(function (s) {
      info[s[0]] = {rejected: true, partition: k, before: before, after: s[1] === null ? 'illegal here' : s[1] + ' (then stuck)'};
      if (firstError < 0) firstError = s[0];
      bad++;
    });
  });
  var boxes = [];
  d.ops.forEach(function (o, i) {
    var x0 = x(o[1]), x1 = o[2] < 0 ? right - 10 : x(o[2]) + UNIT * 0.8, y = TOP + o[0] * ROW + 3;
    var cls = 'op' + (info[i].rejected ? ' bad' : info[i].step ? ' lin' : '') + (o[2] < 0 ? ' pending' : '');
    var box = el('rect', {x: x0, y: y, width: Math.max(x1 - x0, 4), height: ROW - 6, rx: 3, 'class': cls, 'data-op': i});
    boxes.push(box);
    var text = d.descriptions[i], room = Math.floor((x1 - x0 - 4) / 6);
    if (room > 3) {
      el('text', {x: x0 + 2, y: y + 13, 'class': 'lbl'}).textContent = text.length > room ? text.slice(0, room - 1) + '…' : text;
    }
    box.addEventListener('mousemove', function (ev) {
      var f = info[i], lines = ['op ' + i + ': ' + d.descriptions[i], 'partition ' + o[3] + ' (' + (d.partitions[o[3]] ? d.partitions[o[3]].verdict : '?') + ')'];
      if (f.step) lines.push('linearized as step ' + f.step);
      if (f.rejected) lines.push('cannot come next after the longest prefix');
      if (f.before !== undefined) lines.push('state before: ' + f.before, 'state after:  ' + f.after);
      tip.textContent = lines.join('\n');
      tip.style.display = 'block';
      tip.style.left = Math.min(ev.clientX + 12, window.innerWidth - 540) + 'px';
      tip.style.top = (ev.clientY + 12) + 'px';
    });
    box.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  });
  d.partitions.forEach(function (p, k) {
    var points = [], last = 0;
    p.path.forEach(function (s) {
      var o = d.ops[s[0]], lo = x(o[1]), hi = o[2] < 0 ? right - 10 : x(o[2]) + UNIT * 0.8;
      var px = Math.min(Math.max(last, lo + 3), hi - 1);
      last = px;
      points.push(px + ',' + (TOP + o[0] * ROW + ROW / 2));
    });
    if (points.length === 0) return;
    var color = colors[k % colors.length];
    el('polyline', {points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 1.2, 'stroke-opacity': 0.8});
    points.forEach(function (pt) {
      var xy = pt.split(',');
      el('circle', {cx: xy[0], cy: xy[1], r: 2.5, fill: color});
    });
  });
  var verdict = document.getElementById('verdict');
  verdict.textContent = d.verdict;
  verdict.className = d.verdict;
  document.getElementById('summary').textContent = d.ops.length + ' operations, ' + d.clients.length + ' clients, ' +
    d.partitions.length + ' partitions, ' + linearized + ' linearized, ' + bad + ' could not come next';
  var jump = document.getElementById('jump');
  jump.disabled = firstError < 0;
  jump.addEventListener('click', function () {
    var box = boxes[firstError];
    box.classList.add('focus');
    box.scrollIntoView({block: 'center', inline: 'center'});
  });
  var report = document.getElementById('report');
  report.setAttribute('data-boxes', String(boxes.length));
  report.setAttribute('data-first-error', String(firstError));
  report.textContent = 'drawn ' + boxes.length + ' boxes';
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_clip_keeps_both_ends() {
        let long: String = "ab".repeat(500);
        let clipped = clip_chars(&long);
        assert!(
            clipped.chars().count() < DESCRIPTION_CHARS_MAX + 30,
            "{}",
            clipped.len()
        );
        assert!(clipped.starts_with("abab") && clipped.ends_with("abab"));
        assert_eq!(clip_chars("short"), "short");
    }

    #[test]
    fn html_fill_never_rescans_inserted_text() {
        assert_eq!(
            fill("<@A@|@B@>", &[("@A@", "@B@"), ("@B@", "b")]),
            "<@B@|b>"
        );
    }

    #[test]
    fn html_escapes_script_closers() {
        assert_eq!(escape_html("<a&\">"), "&lt;a&amp;&quot;&gt;");
    }
}
