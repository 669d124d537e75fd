//! The runtime as a simulator drives it: `enter` at instants, `next_deadline`,
//! spawned roots; timer order, virtual-time timeouts, determinism, panics, FIFO waits.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use openraft_rt::{
    AsyncRuntime, Instant as _, Mpsc as _, MpscReceiver, MpscSender, Mutex as _, Watch as _,
    WatchReceiver, WatchSender,
};
use rand::RngExt;
use virtual_runtime::sync::{mpsc::Mpsc, watch::Watch, Mutex};
use virtual_runtime::{Instant, JoinError, Runtime};

type Log = Rc<RefCell<Vec<String>>>;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn at_ms(n: u64) -> Instant {
    Instant::ZERO + ms(n)
}

/// Runs the node at each of its deadlines until it has none left or `end` is passed.
fn run_until(rt: &Runtime, end: Instant) {
    rt.enter(rt.now()).expect("no task panics");
    while let Some(deadline) = rt.next_deadline().filter(|d| *d <= end) {
        rt.enter(deadline).expect("no task panics");
        assert!(
            rt.next_deadline().is_none_or(|d| d > deadline),
            "a due timer outlived enter({deadline:?})"
        );
    }
}

/// `label` at the node's current instant.
fn note(log: &Log, label: impl std::fmt::Display) {
    let now = Instant::now().as_nanos();
    log.borrow_mut().push(format!("{now} {label}"));
}

#[test]
fn timers_fire_in_deadline_then_creation_order() {
    let rt = Runtime::with_seed(1, Instant::ZERO);
    let log: Log = Rc::default();
    // Created in this order; deadlines 20, 10, 10, 0, 20, 10 ms.
    for (i, deadline) in [20, 10, 10, 0, 20, 10].into_iter().enumerate() {
        let log = log.clone();
        rt.spawn_root(async move {
            Runtime::sleep(ms(deadline)).await;
            note(&log, format!("timer{i}"));
        });
    }
    run_until(&rt, at_ms(100));
    let expected = [
        "0 timer3",
        "10000000 timer1",
        "10000000 timer2",
        "10000000 timer5",
        "20000000 timer0",
        "20000000 timer4",
    ];
    assert_eq!(*log.borrow(), expected);
    assert_eq!(rt.tasks_alive(), 0);
}

#[test]
fn timers_overdue_fire_in_order_at_the_entered_instant() {
    let rt = Runtime::with_seed(1, Instant::ZERO);
    let log: Log = Rc::default();
    for (i, deadline) in [30, 10, 20].into_iter().enumerate() {
        let log = log.clone();
        rt.spawn_root(async move {
            Runtime::sleep(ms(deadline)).await;
            note(&log, format!("timer{i}"));
        });
    }
    rt.enter(Instant::ZERO).expect("no task panics");
    rt.enter(at_ms(25)).expect("no task panics");
    assert_eq!(*log.borrow(), ["25000000 timer1", "25000000 timer2"]);
    assert_eq!(rt.next_deadline(), Some(at_ms(30)));
}

#[test]
fn timeout_expires_in_virtual_time_only() {
    let rt = Runtime::with_seed(1, Instant::ZERO);
    let mut handle =
        rt.spawn_root(async { Runtime::timeout(ms(5), std::future::pending::<()>()).await });
    // However often the node runs, the timeout stands until the clock reaches it.
    for _ in 0..3 {
        rt.enter(Instant::ZERO).expect("no task panics");
    }
    rt.enter(at_ms(5) - Duration::from_nanos(1))
        .expect("no task panics");
    assert!(handle.try_join().is_none(), "expired before its deadline");
    assert_eq!(rt.next_deadline(), Some(at_ms(5)));
    rt.enter(at_ms(5)).expect("no task panics");
    let outcome = handle.try_join().expect("finished").expect("no panic");
    assert!(outcome.is_err(), "the deadline passed");
}

#[test]
fn timeout_lets_a_ready_future_win_at_the_deadline() {
    let rt = Runtime::with_seed(1, Instant::ZERO);
    let mut handle = rt.spawn_root(async { Runtime::timeout(ms(5), Runtime::sleep(ms(5))).await });
    run_until(&rt, at_ms(10));
    let outcome = handle.try_join().expect("finished").expect("no panic");
    assert_eq!(outcome, Ok(()), "the inner sleep is polled first");
}

#[test]
fn sleep_of_an_hour_takes_no_wall_time() {
    // Reading the wall clock is the point of this test: it measures that virtual time
    // does not wait for it.
    #[allow(clippy::disallowed_methods)]
    let wall = std::time::Instant::now();
    let rt = Runtime::with_seed(1, Instant::ZERO);
    let mut handle = rt.spawn_root(async {
        Runtime::sleep(Duration::from_secs(3600)).await;
        Instant::now()
    });
    run_until(&rt, Instant::ZERO + Duration::from_secs(7200));
    let woke = handle.try_join().expect("finished").expect("no panic");
    assert_eq!(woke, Instant::ZERO + Duration::from_secs(3600));
    assert!(
        wall.elapsed() < Duration::from_secs(5),
        "{:?}",
        wall.elapsed()
    );
}

/// A workload whose every choice comes from the node's RNG: tasks sleep random times,
/// race for a mutex, pass messages on a small mpsc channel and publish on a watch.
/// Returns its event log.
fn workload(seed: u64) -> Vec<String> {
    let rt = Runtime::with_seed(seed, Instant::ZERO);
    let log: Log = Rc::default();
    let (tx, mut rx) = Mpsc::channel::<u64>(2);
    let (progress, mut watcher) = Watch::channel(0u64);
    let lock = Rc::new(Mutex::new(0u64));
    for worker in 0..4u64 {
        let (tx, log, lock, progress) = (tx.clone(), log.clone(), lock.clone(), progress.clone());
        rt.spawn_root(async move {
            for round in 0..5u64 {
                let pause = Runtime::thread_rng().random_range(0..50u64);
                Runtime::sleep(ms(pause)).await;
                let mut total = lock.lock().await;
                *total += 1;
                note(&log, format!("w{worker} r{round} locked total={}", *total));
                Runtime::sleep(Duration::from_micros(1)).await;
                drop(total);
                tx.send(worker * 100 + round).await.expect("receiver alive");
                progress.send_if_greater(round);
            }
        });
    }
    drop(tx);
    let consumer_log = log.clone();
    rt.spawn_root(async move {
        while let Some(v) = rx.recv().await {
            note(&consumer_log, format!("recv {v}"));
            let pause = Runtime::thread_rng().random_range(0..3u64);
            Runtime::sleep(ms(pause)).await;
        }
        note(&consumer_log, "closed");
    });
    let watcher_log = log.clone();
    rt.spawn_root(async move {
        while watcher.changed().await.is_ok() {
            let seen = *watcher.borrow_watched();
            note(&watcher_log, format!("progress {seen}"));
        }
    });
    drop(progress);
    run_until(&rt, Instant::ZERO + Duration::from_secs(60));
    assert_eq!(rt.tasks_alive(), 0, "every task ends");
    let events = log.borrow().clone();
    events
}

/// FNV-1a over the log's lines: stable across Rust versions, unlike `DefaultHasher`.
fn fnv(lines: &[String]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in lines.iter().flat_map(|l| l.bytes().chain([b'\n'])) {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[test]
fn workload_same_seed_gives_the_same_events() {
    let first = workload(42);
    let second = workload(42);
    assert!(first.len() > 40, "{} events", first.len());
    assert!(first.iter().any(|l| l.ends_with("closed")), "{first:#?}");
    assert_eq!(fnv(&first), fnv(&second), "seed 42 replayed differently");
    assert_eq!(first, second);
    assert_eq!(
        fnv(&first),
        0x6c9e_2477_66c9_04f3,
        "seed 42's event log changed: the scheduling, the timer order or the ChaCha8 \
         stream moved (update the hash only if that was meant)"
    );
    let other = workload(43);
    assert_ne!(
        fnv(&first),
        fnv(&other),
        "seeds 42 and 43 gave the same run"
    );
}

#[test]
fn thread_rng_is_the_seeded_stream_of_the_current_node() {
    let draws = |seed: u64| {
        let rt = Runtime::with_seed(seed, Instant::ZERO);
        let _current = rt.make_current();
        let mut a = Runtime::thread_rng();
        let mut b = Runtime::thread_rng();
        [a.random::<u64>(), b.random::<u64>(), a.random::<u64>()]
    };
    let seven = draws(7);
    assert_eq!(seven, draws(7));
    assert_ne!(seven[0], seven[1], "handles continue one stream");
    assert_ne!(seven, draws(8));
}

#[test]
fn panic_in_a_task_reaches_the_driver() {
    let rt = Runtime::with_seed(1, Instant::ZERO);
    let log: Log = Rc::default();
    let mut doomed = rt.spawn_root(async {
        Runtime::sleep(ms(1)).await;
        panic!("invariant broken at term 3");
    });
    let survivor_log = log.clone();
    let mut survivor = rt.spawn_root(async move {
        Runtime::sleep(ms(2)).await;
        note(&survivor_log, "survived");
    });
    rt.enter(Instant::ZERO).expect("nothing panics at 0");
    let panic = rt
        .enter(at_ms(1))
        .expect_err("the task's panic is returned");
    assert_eq!(panic.message(), "invariant broken at term 3");
    assert_eq!(panic.task(), 0);
    let error = doomed.try_join().expect("ended").expect_err("panicked");
    assert!(Runtime::is_panic(&error), "{error}");
    assert_eq!(
        error,
        JoinError::Panicked("invariant broken at term 3".into())
    );
    // The rest of the node is intact.
    rt.enter(at_ms(2)).expect("the survivor does not panic");
    assert_eq!(*log.borrow(), ["2000000 survived"]);
    assert_eq!(survivor.try_join(), Some(Ok(())));
}

#[test]
fn panic_resumed_keeps_its_payload() {
    let rt = Runtime::with_seed(1, Instant::ZERO);
    rt.spawn_root(async { std::panic::panic_any(17u32) });
    let panic = rt.enter(Instant::ZERO).expect_err("the task panics");
    assert_eq!(panic.message(), "<non-string panic payload>");
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| panic.resume()))
        .expect_err("resume unwinds");
    assert_eq!(payload.downcast_ref::<u32>(), Some(&17));
}

#[test]
fn mpsc_blocked_senders_are_served_first_come_first_served() {
    let rt = Runtime::with_seed(1, Instant::ZERO);
    let log: Log = Rc::default();
    let (tx, mut rx) = Mpsc::channel::<u32>(1);
    for sender in 0..4u32 {
        let (tx, log) = (tx.clone(), log.clone());
        rt.spawn_root(async move {
            // Later senders start waiting earlier: the queue follows waiting order.
            Runtime::sleep(Duration::from_nanos(u64::from(4 - sender))).await;
            note(&log, format!("s{sender} sends"));
            tx.send(sender).await.expect("receiver alive");
        });
    }
    drop(tx);
    let receiver_log = log.clone();
    rt.spawn_root(async move {
        Runtime::sleep(ms(1)).await;
        while let Some(v) = rx.recv().await {
            note(&receiver_log, format!("got {v}"));
        }
    });
    run_until(&rt, at_ms(10));
    let got: Vec<String> = log
        .borrow()
        .iter()
        .filter_map(|l| l.split_once(" got ").map(|(_, v)| v.to_string()))
        .collect();
    assert_eq!(got, ["3", "2", "1", "0"], "{:#?}", log.borrow());
}

#[test]
fn mutex_goes_to_waiters_first_come_first_served() {
    let rt = Runtime::with_seed(1, Instant::ZERO);
    let log: Log = Rc::default();
    let lock = Rc::new(Mutex::new(()));
    let holder = lock.clone();
    rt.spawn_root(async move {
        let _guard = holder.lock().await;
        Runtime::sleep(ms(1)).await;
    });
    for waiter in 0..3u64 {
        let (lock, log) = (lock.clone(), log.clone());
        rt.spawn_root(async move {
            Runtime::sleep(Duration::from_nanos(3 - waiter)).await;
            let _guard = lock.lock().await;
            note(&log, format!("w{waiter}"));
        });
    }
    run_until(&rt, at_ms(10));
    assert_eq!(*log.borrow(), ["1000000 w2", "1000000 w1", "1000000 w0"]);
}

#[test]
fn watch_receivers_wake_in_waiting_order() {
    let rt = Runtime::with_seed(1, Instant::ZERO);
    let log: Log = Rc::default();
    let (tx, rx) = Watch::channel(0u32);
    for receiver in 0..3u64 {
        let (mut rx, log) = (rx.clone(), log.clone());
        rt.spawn_root(async move {
            Runtime::sleep(Duration::from_nanos(3 - receiver)).await;
            rx.changed().await.expect("sender alive");
            note(&log, format!("r{receiver} saw {}", *rx.borrow_watched()));
        });
    }
    rt.spawn_root(async move {
        Runtime::sleep(ms(1)).await;
        tx.send(9).expect("receivers alive");
    });
    run_until(&rt, at_ms(10));
    let expected = ["1000000 r2 saw 9", "1000000 r1 saw 9", "1000000 r0 saw 9"];
    assert_eq!(*log.borrow(), expected);
}

#[test]
fn next_deadline_follows_cancelled_timers() {
    let rt = Runtime::with_seed(1, Instant::ZERO);
    let mut handle = rt.spawn_root(async {
        // The 5 ms timeout is dropped when its future completes at 1 ms.
        Runtime::timeout(ms(5), Runtime::sleep(ms(1))).await
    });
    rt.enter(Instant::ZERO).expect("no task panics");
    assert_eq!(rt.next_deadline(), Some(at_ms(1)));
    rt.enter(at_ms(1)).expect("no task panics");
    assert_eq!(handle.try_join(), Some(Ok(Ok(()))));
    assert_eq!(rt.next_deadline(), None, "the timeout's timer left with it");
}

#[test]
fn nodes_keep_their_own_clocks() {
    let a = Runtime::with_seed(1, Instant::ZERO);
    let b = Runtime::with_seed(2, at_ms(50));
    let mut ha = a.spawn_root(async { Instant::now() });
    let mut hb = b.spawn_root(async {
        Runtime::sleep(ms(1)).await;
        Instant::now()
    });
    a.enter(at_ms(3)).expect("no task panics");
    b.enter(at_ms(50)).expect("no task panics");
    assert_eq!(b.next_deadline(), Some(at_ms(51)));
    b.enter(at_ms(51)).expect("no task panics");
    assert_eq!(ha.try_join(), Some(Ok(at_ms(3))));
    assert_eq!(hb.try_join(), Some(Ok(at_ms(51))));
}

#[test]
#[should_panic(expected = "no current node")]
fn now_outside_a_node_panics() {
    let _ = Instant::now();
}

#[test]
#[should_panic(expected = "virtual time went back")]
fn enter_earlier_than_the_clock_panics() {
    let rt = Runtime::with_seed(1, at_ms(5));
    let _ = rt.enter(at_ms(4));
}

#[test]
fn dropping_the_runtime_cancels_its_tasks() {
    let rt = Runtime::with_seed(1, Instant::ZERO);
    let mut handle = rt.spawn_root(std::future::pending::<()>());
    rt.enter(Instant::ZERO).expect("no task panics");
    drop(rt);
    assert_eq!(handle.try_join(), Some(Err(JoinError::Cancelled)));
}
