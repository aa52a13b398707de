//! The peer benchmarks of BENCHMARKS.md: one binary, one system and one
//! workload per invocation (so each run starts from a fresh process), driven
//! by `run.sh`, which also runs the Erlang module and writes the report.
//!
//! ```text
//! foundation-peers bench SYSTEM WORKLOAD RUNS [--quick]   # prints RUNS times in ns (after one warm-up)
//! foundation-peers memory SYSTEM                         # prints bytes allocated per idle actor
//! foundation-peers report RESULTS.tsv OUT.md CHART_DIR   # the report and its charts
//! ```
//!
//! Every timed region ends only when the receiving side has handled
//! everything (a completion signal sent by the last handler).

mod actix_peer;
mod alloc;
mod crossbeam_floor;
mod foundation_peer;
mod kameo_peer;
mod ractor_peer;
mod report;
mod threads;

use std::process::ExitCode;
use std::time::Duration;

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// The workloads, with their sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Spawn `n` idle actors, then stop them all.
    Spawn { n: usize },
    /// Two actors, `n` round trips.
    PingPong { n: usize },
    /// One sending actor, one counting receiver, `n` messages.
    Stream { n: usize },
    /// `senders` sending actors, one receiver, `n` messages in all.
    FanIn { senders: usize, n: usize },
    /// A token around a ring of `actors`, `hops` hops.
    Ring { actors: usize, hops: usize },
    /// Create `workers`, one message each, each answers and exits.
    ForkJoin { workers: usize },
    /// `members` actors each get the same `bytes`-byte payload and keep
    /// it: one shared buffer (`shared`), or a copy each.
    Broadcast {
        members: usize,
        bytes: usize,
        shared: bool,
    },
    /// Start a supervised group of a coordinator and `workers` workers,
    /// send one request to each worker through the coordinator, and wait
    /// for every answer (the group is stopped after the timed region).
    Ecosystem { workers: usize },
    /// `n` requests answered one after the other, asked from outside the
    /// actors: a plain thread's blocking call (`blocking`), or an `.await`
    /// in a task of a 2-worker tokio runtime; each answer before the next
    /// request.
    Ask { n: usize, blocking: bool },
}

impl Workload {
    pub const NAMES: [&'static str; 13] = [
        "spawn",
        "pingpong",
        "stream",
        "fanin",
        "ring",
        "forkjoin",
        "broadcast",
        "broadcast-cloned",
        "ecosystem-10",
        "ecosystem-100",
        "ecosystem-1000",
        "ask",
        "ask-async",
    ];

    /// The workload `name` at the default (or the quick) size.
    pub fn parse(name: &str, quick: bool) -> Option<Workload> {
        let scale = |n: usize| if quick { n / 10 } else { n };
        Some(match name {
            "spawn" => Workload::Spawn { n: scale(100_000) },
            "pingpong" => Workload::PingPong {
                n: scale(1_000_000),
            },
            "stream" => Workload::Stream {
                n: scale(1_000_000),
            },
            // A whole number of messages per sender.
            "fanin" => Workload::FanIn {
                senders: 64,
                n: scale(1_000_000) / 64 * 64,
            },
            "ring" => Workload::Ring {
                actors: 100,
                hops: scale(1_000_000),
            },
            "forkjoin" => Workload::ForkJoin {
                workers: scale(40_000),
            },
            "broadcast" | "broadcast-cloned" => Workload::Broadcast {
                members: scale(1_000),
                bytes: 1 << 20,
                shared: name == "broadcast",
            },
            // Small already: the same sizes for a quick run.
            "ecosystem-10" => Workload::Ecosystem { workers: 10 },
            "ecosystem-100" => Workload::Ecosystem { workers: 100 },
            "ecosystem-1000" => Workload::Ecosystem { workers: 1000 },
            // Each call crosses threads and may wake a sleeping core:
            // fewer than the messages of the other workloads.
            "ask" | "ask-async" => Workload::Ask {
                n: scale(20_000),
                blocking: name == "ask",
            },
            _ => return None,
        })
    }

    /// How many units (actors or messages) the workload handles, for the
    /// per-unit figures of the report.
    pub fn units(&self) -> usize {
        match *self {
            Workload::Spawn { n } => n,
            Workload::PingPong { n } => n,
            Workload::Stream { n } => n,
            Workload::FanIn { n, .. } => n,
            Workload::Ring { hops, .. } => hops,
            Workload::ForkJoin { workers } => workers,
            Workload::Broadcast { members, .. } => members,
            Workload::Ecosystem { workers } => workers,
            Workload::Ask { n, .. } => n,
        }
    }
}

/// A system under test.
pub trait System {
    /// Runs `workload` once and returns the time it took; `None` if this
    /// system does not run it (the floor has no actors to spawn).
    fn run(&self, workload: Workload) -> Option<Duration>;
    /// Bytes allocated per idle actor, `None` if not measurable here.
    fn idle_bytes(&self, actors: usize) -> Option<f64>;
}

fn system(name: &str) -> Option<Box<dyn System>> {
    Some(match name {
        "foundation-1" => Box::new(foundation_peer::Foundation { schedulers: 1 }),
        "foundation-2" => Box::new(foundation_peer::Foundation { schedulers: 2 }),
        "actix" => Box::new(actix_peer::Actix),
        "kameo" => Box::new(kameo_peer::Kameo),
        "ractor" => Box::new(ractor_peer::Ractor),
        "threads" => Box::new(threads::Threads),
        "crossbeam" => Box::new(crossbeam_floor::Crossbeam),
        _ => return None,
    })
}

/// The multi-threaded tokio runtime kameo and ractor run on: one worker per
/// core, as `#[tokio::main]` makes it.
pub fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The bytes a broadcast left allocated (every member holding its payload),
/// as the last `Broadcast` run measured them: `broadcast-memory` prints it.
pub static BROADCAST_BYTES: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);

/// Records what a broadcast left allocated since `before` (call once every
/// member has said it holds its payload).
pub fn broadcast_measured(before: isize) {
    BROADCAST_BYTES.store(alloc::live() - before, std::sync::atomic::Ordering::Relaxed);
}

/// The payload of a broadcast run.
pub fn payload(bytes: usize) -> Vec<u8> {
    vec![7u8; bytes]
}

/// The thread-per-actor baseline spawns real threads: at most this many.
pub const MAX_THREADS: usize = 10_000;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["bench", system_name, workload, runs, rest @ ..] => {
            let quick = rest.contains(&"--quick");
            let (Some(system), Some(workload), Ok(runs)) = (
                system(system_name),
                Workload::parse(workload, quick),
                runs.parse::<usize>(),
            ) else {
                return usage();
            };
            // One warm-up, not reported.
            if system.run(workload).is_none() {
                println!("n/a");
                return ExitCode::SUCCESS;
            }
            let times: Vec<String> = (0..runs)
                .map(|_| {
                    system
                        .run(workload)
                        .expect("ran once already")
                        .as_nanos()
                        .to_string()
                })
                .collect();
            println!("{}", times.join(" "));
            ExitCode::SUCCESS
        }
        ["memory", system_name] => {
            let Some(system) = system(system_name) else {
                return usage();
            };
            match system.idle_bytes(10_000) {
                Some(bytes) => println!("{bytes:.0}"),
                None => println!("n/a"),
            }
            ExitCode::SUCCESS
        }
        ["broadcast-memory", system_name, rest @ ..] => {
            let quick = rest.contains(&"--quick");
            let Some(system) = system(system_name) else {
                return usage();
            };
            // Bytes left allocated by one shared and one cloned broadcast.
            let mut figures = Vec::new();
            for name in ["broadcast", "broadcast-cloned"] {
                let workload = Workload::parse(name, quick).expect("a known workload");
                if system.run(workload).is_none() {
                    println!("n/a");
                    return ExitCode::SUCCESS;
                }
                figures.push(
                    BROADCAST_BYTES
                        .load(std::sync::atomic::Ordering::Relaxed)
                        .to_string(),
                );
            }
            println!("{}", figures.join(" "));
            ExitCode::SUCCESS
        }
        ["report", results, out, charts] => match report::write(results, out, charts) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("report: {error}");
                ExitCode::FAILURE
            }
        },
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: foundation-peers bench SYSTEM WORKLOAD RUNS [--quick] | memory SYSTEM | broadcast-memory SYSTEM [--quick] | report RESULTS OUT CHARTS\n\
         systems: foundation-1 foundation-2 actix kameo ractor threads crossbeam\n\
         workloads: {}",
        Workload::NAMES.join(" ")
    );
    ExitCode::from(2)
}
