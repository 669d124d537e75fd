//! The timeline: its page in a real headless browser (no script errors, one lane per
//! node, one arrow per delivered message, the failure marked and in view), its size on
//! the heaviest scenario, its determinism, and the `--summary` table telling the same
//! story as the page.

#[path = "../../checker/tests/support/browser.rs"]
mod browser;

use raft_contract::{
    Boot, Command, Error, Instant as RaftInstant, LogIndex, MessageKind, NodeId as RaftId,
    Persisted, RaftFamily, RaftNode, Ready, Status, Term,
};
use sim::cluster::Cmd;
use sim::engine::{Clock, Duration, EventKind, Instant, Jump, NodeId, PayloadKind, Trace};
use sim::implementation::Implementation;
use sim::outcome::Outcome;
use sim::registry::{find, registry};
use sim::scenario::RunConfig;
use sim::tester::raft::RaftSuite;
use sim::tester::{Base, RaftSetup, RaftTester, Retry, Suite};
use sim::timeline::window::{Bounds, PAGE_BYTES_MAX};
use sim::timeline::{page, page_within, summary, FailurePoint, Lane, LaneKind, Timeline};
use std::path::{Path, PathBuf};

/// raftsim's own Raft.
type Ours = raft::Family;

/// A broken Raft: ours, but it boots from an empty disk every time, so a restarted node
/// forgets its term, its vote and its log (the Durability monitor's prey).
struct Amnesia;

impl RaftFamily for Amnesia {
    type Node<C: Command> = Forgetful<C>;
}

impl Implementation for Amnesia {
    const NAME: &'static str = "amnesia";
    const DESCRIPTION: &'static str = "ours, forgetting its disk at every restart";
}

struct Forgetful<C: Command>(raft::Raft<C>);

impl<C: Command> RaftNode<C> for Forgetful<C> {
    type Message = <raft::Raft<C> as RaftNode<C>>::Message;

    fn boot(boot: Boot) -> Result<Self, Error> {
        let boot = Boot {
            persisted: Persisted::default(),
            ..boot
        };
        <raft::Raft<C> as RaftNode<C>>::boot(boot).map(Forgetful)
    }
    fn start(&mut self, command: C, now: RaftInstant) -> Option<(LogIndex, Term)> {
        RaftNode::<C>::start(&mut self.0, command, now)
    }
    fn state(&self) -> (Term, bool) {
        RaftNode::<C>::state(&self.0)
    }
    fn snapshot(&mut self, index: LogIndex, data: Vec<u8>) -> Result<(), Error> {
        RaftNode::<C>::snapshot(&mut self.0, index, data)
    }
    fn step(&mut self, from: RaftId, msg: Self::Message, now: RaftInstant) {
        RaftNode::<C>::step(&mut self.0, from, msg, now);
    }
    fn tick(&mut self, now: RaftInstant) {
        RaftNode::<C>::tick(&mut self.0, now);
    }
    fn next_deadline(&self) -> RaftInstant {
        RaftNode::<C>::next_deadline(&self.0)
    }
    fn ready(&mut self) -> Ready<C, Self::Message> {
        RaftNode::<C>::ready(&mut self.0)
    }
    fn status(&self) -> Status {
        RaftNode::<C>::status(&self.0)
    }
    fn log_term(&self, index: LogIndex) -> Option<Term> {
        RaftNode::<C>::log_term(&self.0, index)
    }
}

fn traced(seed: u64) -> RunConfig {
    RunConfig {
        seed,
        keep_trace: true,
        ..RunConfig::default()
    }
}

/// Figure82C on the broken Raft: it fails with a Durability violation.
fn amnesiac_run() -> Outcome {
    let scenario = sim::scenarios::raft::<Amnesia>()
        .into_iter()
        .find(|s| s.name == "Figure82C")
        .expect("registered");
    (scenario.run)(&traced(1))
}

/// The page of an outcome that kept its trace.
fn page_of(outcome: &Outcome) -> String {
    let timeline = outcome.timeline.as_ref().expect("a timeline");
    page(timeline, outcome.trace.as_deref().expect("a trace"))
}

/// A short scripted Raft run: three servers elect a leader and agree on two commands,
/// then one is cut off for a while (so some messages are dropped).
fn scripted_run() -> (RaftTester<Ours>, Timeline) {
    scripted_on(Vec::new(), "scripted")
}

/// The scripted run with its servers on `clocks` (by server number; none: true time).
fn scripted_on(clocks: Vec<Clock>, title: &str) -> (RaftTester<Ours>, Timeline) {
    let setup = RaftSetup {
        servers: 3,
        unreliable: false,
        snapshot: false,
        members: None,
    };
    let base = Base {
        seed: 2,
        keep_trace: true,
        settings: raft_contract::Settings::defaults(),
        budget: sim::engine::Budget::default(),
        clocks,
        reads: raft_contract::ReadMode::Log,
    };
    let mut t = RaftSuite::<Ours>::build(&base, setup);
    t.one(Cmd::Int(1), 3, Retry::Never).expect("agreement");
    t.disconnect(2);
    t.one(Cmd::Int(2), 2, Retry::Never).expect("agreement");
    t.sleep(Duration::from_millis(300)).expect("no failure");
    t.connect(2);
    t.sleep(Duration::from_millis(300)).expect("no failure");
    let timeline = Timeline::of_sim(title.into(), &t.sim).expect("trace kept");
    (t, timeline)
}

/// The scripted run with two servers on clocks of their own from the start: n2 (which
/// leads first) 250 ms ahead, 1500 ppm fast and stepped 300 ms forward at 0.8 s; n0
/// 40 ppm slow. n1, which leads next, reads true time.
fn drifting_run() -> (RaftTester<Ours>, Timeline) {
    let jump = Jump {
        at: Instant::from_millis(800),
        by: Duration::from_millis(300),
    };
    let clock = Clock::new(Duration::from_millis(250), 1_500, vec![jump]).expect("a valid clock");
    let slow = Clock::new(Duration::ZERO, -40, Vec::new()).expect("a valid clock");
    let (t, mut timeline) = scripted_on(vec![slow, Clock::IDENTITY, clock], "drifting");
    for (i, id) in t.server_ids().into_iter().enumerate() {
        timeline.set_lane(id, LaneKind::Server, format!("n{i}"));
    }
    (t, timeline)
}

/// A page's embedded data.
fn page_data(html: &str) -> serde_json::Value {
    let data = html
        .split("id=\"data\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("embedded data");
    serde_json::from_str(data).expect("JSON data")
}

/// The `locals` of a page's embedded data, if it has them.
fn page_locals(html: &str) -> Option<serde_json::Value> {
    page_data(html).get("locals").cloned()
}

/// A server on a clock of its own shows its local time: a column of the leader's local
/// time in the table (a snapshot), and its lane's local times in the page's data (and
/// no other lane's); a run on true time has neither, so its table and page are what they
/// were before clocks existed.
#[test]
fn timeline_local_time_shown_for_a_drifting_clock_only() {
    let (t, timeline) = drifting_run();
    let table = summary(&timeline);
    insta::assert_snapshot!(table);
    let html = page(&timeline, t.sim.trace().text().expect("trace kept"));
    let locals = page_locals(&html).expect("the drifting lanes' local times");
    let locals = locals.as_array().expect("a list");
    let lanes: Vec<u64> = locals.iter().filter_map(|l| l[0].as_u64()).collect();
    assert_eq!(lanes, vec![0, 2], "n0 and n2 only: {locals:?}");
    let first = &locals[1][1][0];
    let (true_ns, local_ns) = (first[0].as_u64(), first[1].as_u64());
    assert_eq!(
        local_ns,
        true_ns.map(|t| 250_000_000 + t + t * 1_500 / 1_000_000),
        "n2's first local time, before its jump"
    );
    let (plain, mut plain_timeline) = scripted_run();
    for (i, id) in plain.server_ids().into_iter().enumerate() {
        plain_timeline.set_lane(id, LaneKind::Server, format!("n{i}"));
    }
    let plain_table = summary(&plain_timeline);
    assert!(plain_table.contains("leader"), "{plain_table}");
    assert!(!plain_table.contains("local"), "{plain_table}");
    let plain_html = page(&plain_timeline, plain.sim.trace().text().expect("kept"));
    assert_eq!(page_locals(&plain_html), None, "no locals on true time");
    if !browser::available() {
        return;
    }
    let dir = scratch("drifting");
    let dom = load(&html, &dir, "drifting");
    assert_eq!(report(&dom, "data-lanes"), t.sim.len().to_string());
    let _ = std::fs::remove_dir_all(&dir);
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("raftsim-timeline-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Loads `html` in chromium and returns its DOM, after checking it ran with no script
/// error.
fn load(html: &str, dir: &Path, name: &str) -> String {
    let path = dir.join(format!("{name}.html"));
    std::fs::write(&path, html).expect("page written");
    let dom = browser::dump_dom(&path, &dir.join(format!("profile-{name}")));
    assert!(
        dom.contains("id=\"report\""),
        "{name}: no report in\n{}",
        &dom[..dom.len().min(2000)]
    );
    assert!(
        dom.contains("<pre id=\"errors\"></pre>"),
        "{name}: script errors: {}",
        dom.split("<pre id=\"errors\">").nth(1).unwrap_or("")
    );
    dom
}

fn report(dom: &str, name: &str) -> String {
    browser::attribute(dom, name).unwrap_or_else(|| panic!("no {name} in the report"))
}

#[test]
fn timeline_page_draws_one_lane_per_node_and_one_arrow_per_delivery() {
    let (t, timeline) = scripted_run();
    let text = t.sim.trace().text().expect("trace kept");
    let count = |f: fn(EventKind) -> bool| timeline.records.iter().filter(|r| f(r.kind)).count();
    let delivered = count(|k| k == EventKind::Deliver);
    let dropped = count(|k| matches!(k, EventKind::Drop(_)));
    assert!(
        delivered > 20 && dropped > 0,
        "{delivered} delivered, {dropped} dropped"
    );
    let html = page(&timeline, text);
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no network resources"
    );
    assert!(!html.contains("<script src"), "every script is inline");
    if !browser::available() {
        return;
    }
    let dir = scratch("lanes");
    let dom = load(&html, &dir, "scripted");
    assert_eq!(report(&dom, "data-lanes"), t.sim.len().to_string());
    assert_eq!(report(&dom, "data-mode"), "arrows");
    assert_eq!(report(&dom, "data-delivered"), delivered.to_string());
    assert_eq!(report(&dom, "data-dropped"), dropped.to_string());
    assert_eq!(report(&dom, "data-failure"), "none");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timeline_of_a_failing_run_marks_the_violation_in_view() {
    let outcome = amnesiac_run();
    let reason = outcome.failure.clone().expect("the broken Raft fails");
    assert!(
        reason.starts_with("safety violation: Durability"),
        "{reason}"
    );
    let timeline = outcome.timeline.as_ref().expect("a timeline");
    let failure = timeline.failure.as_ref().expect("a failure point");
    assert!(
        reason.contains(&format!("at event {} ", failure.event)),
        "{reason}"
    );
    assert!(
        failure.headline.starts_with("Durability: "),
        "{}",
        failure.headline
    );
    assert!(failure.node.is_some(), "the violating node is named");
    // The marker is where the run stopped: the last record is at or before it.
    let last = timeline.records.last().expect("records");
    assert!(last.time <= failure.time && failure.time <= timeline.end);
    let html = page_of(&outcome);
    if !browser::available() {
        return;
    }
    let dir = scratch("failing");
    let dom = load(&html, &dir, "amnesia");
    assert_eq!(
        report(&dom, "data-failure"),
        "visible",
        "the failure is in view"
    );
    assert_eq!(report(&dom, "data-lanes"), "5");
    assert!(dom.contains("class=\"fail\""), "the verdict says FAIL");
    // The README's picture: `RAFTSIM_TIMELINE_SCREENSHOT=FILE` keeps one.
    if let Ok(file) = std::env::var("RAFTSIM_TIMELINE_SCREENSHOT") {
        let page = dir.join("amnesia.html");
        let shot = format!("--screenshot={file}");
        browser::chromium(
            &page,
            &dir.join("profile-shot"),
            &[&shot, "--window-size=1400,520"],
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timeline_page_carries_a_failure_point_only_when_the_run_has_one() {
    // Shown to fail: the same failing run with its failure point removed has no marker.
    let outcome = amnesiac_run();
    let mut timeline = (**outcome.timeline.as_ref().expect("a timeline")).clone();
    let marked = page(&timeline, outcome.trace.as_deref().expect("trace"));
    timeline.failure = None;
    let unmarked = page(&timeline, outcome.trace.as_deref().expect("trace"));
    assert!(
        marked.contains("\"failure\":{\"time\":"),
        "a failing page carries its failure"
    );
    assert!(unmarked.contains("\"failure\":null"));
}

#[test]
fn timeline_page_is_the_same_bytes_for_the_same_run() {
    let (a, b) = (amnesiac_run(), amnesiac_run());
    assert_eq!(a.trace_hash, b.trace_hash);
    assert_eq!(page_of(&a), page_of(&b));
}

#[test]
fn timeline_summary_names_the_same_leaders_and_terms_as_the_page() {
    let scenario = find(&registry(), "Figure8Unreliable2C").expect("registered");
    let outcome = (scenario.run)(&traced(0));
    let timeline = outcome.timeline.as_ref().expect("a timeline");
    let table = summary(timeline);
    let data = page_data(&page_of(&outcome));
    let lanes = data["lanes"].as_array().expect("lanes");
    let reigns = data["reigns"].as_array().expect("reigns");
    let from_page: Vec<(u64, String)> = reigns
        .iter()
        .map(|r| {
            let leader = r[3].as_i64().expect("leader");
            let name = match leader {
                -1 => "-".to_string(),
                l => lanes[l as usize][0].as_str().expect("name").to_string(),
            };
            (r[2].as_u64().expect("term"), name)
        })
        .collect();
    let rows: Vec<&str> = table
        .lines()
        .skip(2)
        .filter(|l| !l.contains("left out"))
        .collect();
    assert!(from_page.len() > 3, "a few reigns: {table}");
    let shown: Vec<(u64, String)> = rows
        .iter()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[2].parse().expect("term"), w[3].to_string())
        })
        .collect();
    if from_page.len() <= sim::timeline::summary::SUMMARY_ROWS_MAX {
        assert_eq!(shown, from_page, "{table}");
    } else {
        let half = sim::timeline::summary::SUMMARY_ROWS_MAX / 2;
        assert_eq!(shown[..half], from_page[..half], "{table}");
        assert_eq!(
            shown[half..],
            from_page[from_page.len() - half..],
            "{table}"
        );
    }
}

#[test]
fn timeline_page_of_the_heaviest_scenario_stays_under_the_bound() {
    let scenario = find(&registry(), "SnapshotRecoverManyClients3B").expect("registered");
    let outcome = (scenario.run)(&traced(0));
    assert!(outcome.passed(), "{:?}", outcome.failure);
    assert!(outcome.events > 100_000, "{} events", outcome.events);
    let html = page_of(&outcome);
    assert!(html.len() <= PAGE_BYTES_MAX, "{} bytes", html.len());
    assert!(
        html.contains("\"complete\":false"),
        "the heaviest run is windowed"
    );
}

/// A synthetic trace: `n` messages between three nodes, each with a label of `chars`
/// characters.
fn synthetic(n: u64, chars: usize) -> (Timeline, String) {
    let mut trace = Trace::new(true);
    for k in 0..n {
        trace.set_event(k + 1);
        let (from, to) = (NodeId((k % 3) as u32), NodeId(((k + 1) % 3) as u32));
        let label = || format!("AppendEntries t1 n={k} {}", "x".repeat(chars));
        let (sent, at) = (Instant(k * 1_000), Instant(k * 1_000 + 700));
        let kind = PayloadKind::Raft(MessageKind::Append { entries: k });
        trace.record_message(at, None, sent, EventKind::Deliver, to, from, k, kind, label);
    }
    let lanes = (0..3)
        .map(|k| Lane {
            node: NodeId(k),
            name: format!("n{k}"),
            kind: LaneKind::Node,
            cluster: 0,
        })
        .collect();
    let timeline = Timeline {
        title: "synthetic".into(),
        lanes,
        records: trace.entries().to_vec(),
        end: Instant(n * 1_000 + 700),
        events: n,
        ..Timeline::default()
    };
    (timeline, trace.text().expect("kept").to_string())
}

#[test]
fn timeline_page_opens_on_a_failure_in_the_middle_of_a_long_run() {
    // 60,000 messages: the whole run would be drawn as counts (and its middle is
    // outside a window anchored at the start); the page must open on the failure,
    // with arrows around it.
    let (mut timeline, text) = synthetic(60_000, 20);
    let at = timeline.records[30_000].time;
    timeline.failure = Some(FailurePoint {
        time: at,
        event: 30_001,
        headline: "planted failure".into(),
        node: Some(NodeId(1)),
        op: None,
    });
    let html = page(&timeline, &text);
    assert!(html.contains("\"complete\":false"), "windowed");
    if !browser::available() {
        return;
    }
    let dir = scratch("middle");
    let dom = load(&html, &dir, "middle");
    assert_eq!(report(&dom, "data-failure"), "visible");
    assert_eq!(
        report(&dom, "data-mode"),
        "arrows",
        "details around the failure"
    );
    assert!(report(&dom, "data-delivered").parse::<u64>().unwrap_or(0) > 100);
    let view = report(&dom, "data-view");
    let (from, to) = view.split_once("..").expect("a view");
    let (from, to): (f64, f64) = (from.parse().expect("from"), to.parse().expect("to"));
    assert!(
        from < at.0 as f64 && (at.0 as f64) < to,
        "{view} around {at}"
    );
    assert!(
        to - from < timeline.end.0 as f64 / 10.0,
        "zoomed in: {view}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timeline_page_halves_its_caps_until_it_fits() {
    // 20,000 messages of 2,500 characters: with every line kept whole the page is over
    // 40 MB; under a 5 MB bound the builder must shrink its window until it fits.
    let (timeline, text) = synthetic(20_000, 2_500);
    let bounds = Bounds {
        line_chars_max: 10_000,
        ..Bounds::PAGE
    };
    let whole = page_within(&timeline, &text, bounds, usize::MAX);
    assert!(whole.len() > 40_000_000, "{} bytes", whole.len());
    let bound = 5_000_000;
    let fitted = page_within(&timeline, &text, bounds, bound);
    assert!(fitted.len() <= bound, "{} > {bound}", fitted.len());
    assert!(fitted.contains("\"complete\":false") && whole.contains("\"complete\":true"));
    // The default caps alone keep the same trace far under the documented bound.
    let default = page(&timeline, &text);
    assert!(default.len() <= PAGE_BYTES_MAX, "{} bytes", default.len());
}

/// A sharded run has one Raft cluster per group and the controller, each with its own
/// terms: the table has a section per cluster and the page's strip a row per cluster,
/// and every leader shown belongs to the cluster of its row.
#[test]
fn timeline_of_a_sharded_run_has_one_leader_row_per_cluster() {
    let scenario = find(&registry(), "JoinLeave4B").expect("registered");
    let outcome = (scenario.run)(&traced(3));
    assert!(outcome.passed(), "{:?}", outcome.failure);
    let timeline = outcome.timeline.as_ref().expect("a timeline");
    let names = ["controller", "group 100", "group 101", "group 102"];
    assert_eq!(timeline.clusters, names);
    let table = summary(timeline);
    let sections: Vec<&str> = table.lines().filter(|l| l.ends_with(':')).collect();
    assert_eq!(sections, names.map(|n| format!("{n}:")), "{table}");
    let html = page_of(&outcome);
    let data = html
        .split("id=\"data\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("embedded data");
    let data: serde_json::Value = serde_json::from_str(data).expect("JSON data");
    assert_eq!(data["clusters"].as_array().expect("clusters").len(), 4);
    let lanes = data["lanes"].as_array().expect("lanes");
    let mut led = [false; 4];
    for r in data["reigns"].as_array().expect("reigns") {
        let cluster = r[6].as_u64().expect("cluster") as usize;
        let leader = r[3].as_i64().expect("leader");
        if leader < 0 {
            continue;
        }
        let name = lanes[leader as usize][0].as_str().expect("name");
        let short = ["ctrl", "g100", "g101", "g102"][cluster];
        assert!(name.ends_with(short), "{name} leads a term of {short}");
        led[cluster] = true;
    }
    assert_eq!(led, [true; 4], "every cluster elects a leader");
}
