//! An ecosystem processing a stream of jobs: a coordinator that hands
//! each job to a pool of workers (least loaded first) and counts what they
//! report back; one worker crashes on a poisoned job and comes back at the
//! same address, with the jobs queued for it; the pool grows and shrinks
//! while jobs flow, losing none (the worker that took the poison may be one
//! of those removed: its restart count goes with it); an archive that
//! keeps every tenth result in memory (a leak, allocated in its own
//! handler) goes over its `max_heap`, is stopped with
//! `ExitReason::MemoryLimit` and restarted in place, empty, while the
//! others serve on; the ecosystem's health — memory per member included,
//! counted by the `AccountingAllocator` this program installs — is
//! printed before, after the crash, after the first memory restart, and
//! at the end.
//!
//! Declared with `#[ecosystem]` (the struct is the typed handle: one field
//! per member), on actors declared with `#[actor]` / `#[handlers]`.
//!
//! Run: `cargo run --release --example pipeline`

use std::time::{Duration, Instant};

use foundation::memory::AccountingAllocator;
use foundation::prelude::*;
use foundation::{MemberHealth, Role};

/// Counts memory per actor (ADR 0009): the health reports show it, and
/// the archive's `max_heap` is checked.
#[global_allocator]
static ALLOCATOR: AccountingAllocator = AccountingAllocator::new();

mod pipeline {
    use foundation::prelude::*;

    /// A job: a number to checksum, or the poison that crashes a worker.
    #[derive(Clone, Copy, Debug)]
    pub enum Job {
        Sum(u64),
        Poison,
    }

    /// A worker: checksums a job and reports to the coordinator.
    #[actor]
    pub struct Worker {
        coordinator: Option<ActorRef<Coordinator>>,
    }

    impl Worker {
        pub fn new() -> Self {
            Worker { coordinator: None }
        }
    }

    #[handlers]
    impl Worker {
        /// Handles a job (the coordinator's handle comes with it).
        pub fn run(&mut self, job: Job, from: ActorRef<Coordinator>) {
            let coordinator = self.coordinator.get_or_insert(from);
            match job {
                Job::Sum(n) => {
                    // A little work: a checksum of the job's number.
                    let sum = (0..200u64).fold(n, |acc, i| acc.rotate_left(5) ^ (i * n));
                    let _ = coordinator.done(n, sum);
                }
                Job::Poison => panic!("poisoned job"),
            }
        }
    }

    /// The coordinator: routes jobs to the pool, counts the results.
    #[actor]
    pub struct Coordinator {
        pool: WorkerPool<Worker>,
        submitted: u64,
        done: u64,
    }

    impl Coordinator {
        pub fn new(pool: WorkerPool<Worker>) -> Self {
            Coordinator {
                pool,
                submitted: 0,
                done: 0,
            }
        }
    }

    #[handlers]
    impl Coordinator {
        /// Takes a job and hands it to the least loaded worker.
        pub fn submit(&mut self, job: Job, ctx: &mut Context<Self>) {
            if matches!(job, Job::Sum(_)) {
                self.submitted += 1;
            }
            let me = ctx.myself();
            if let Err(error) = self.pool.route(WorkerMsg::Run(job, me)) {
                panic!("no worker took job {job:?}: {error}");
            }
        }

        /// A worker's result.
        pub fn done(&mut self, _job: u64, _sum: u64) {
            self.done += 1;
        }

        /// Jobs submitted and done so far.
        pub fn progress(&self) -> (u64, u64) {
            (self.submitted, self.done)
        }
    }

    /// Keeps results in memory, and never lets go of them: a leak, which
    /// its `max_heap` stops.
    #[actor(max_heap = "2MiB")]
    pub struct Archive {
        entries: Vec<Vec<u8>>,
    }

    impl Archive {
        pub fn new() -> Self {
            Archive {
                entries: Vec::new(),
            }
        }
    }

    #[handlers]
    impl Archive {
        /// Keeps a 1,000-byte record of a result.
        pub fn record(&mut self, job: u64) {
            self.entries.push(job.to_le_bytes().repeat(125));
        }
    }

    /// The whole pipeline, supervised as one unit.
    #[ecosystem(
        name = "pipeline",
        strategy = "one_for_one",
        max_restarts = 20,
        within = "1s"
    )]
    pub struct Pipeline {
        #[coordinator(factory = Coordinator::new)]
        pub coordinator: Coordinator,
        #[workers(count = 4, route = "least_loaded", factory = Worker::new)]
        pub workers: Worker,
        #[child(factory = Archive::new)]
        pub archive: Archive,
    }
}

use pipeline::{ArchiveExt, CoordinatorExt, Job, Pipeline};

const JOBS: u64 = 200_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let node = Node::builder().name("pipeline").start()?;
    let started = Instant::now();
    let pipeline = Pipeline::spawn(&node)?;
    println!("started in {:?}\n", started.elapsed());
    println!("{}", pipeline.health());

    let eco = pipeline.ecosystem();
    let mut restarts = 0;
    let mut memory_restart_shown = false;
    let began = Instant::now();
    for n in 0..JOBS {
        submit(&pipeline, Job::Sum(n));
        if n % 10 == 0 {
            // Refused only while it restarts: that record is lost with
            // the leak it would have grown.
            let _ = pipeline.archive.record(n);
        }
        if !memory_restart_shown && archive(&pipeline).restarts > 0 {
            memory_restart_shown = true;
            println!(
                "after the archive went over its max_heap (restarted in place):\n{}",
                pipeline.health()
            );
        }
        match n {
            // A poisoned job: whichever worker takes it crashes and is
            // restarted in place; the jobs queued for it wait for it.
            50_000 => {
                submit(&pipeline, Job::Poison);
                while pipeline
                    .health()
                    .members
                    .iter()
                    .all(|m| m.role != Role::Worker || m.restarts == 0)
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let health = pipeline.health();
                println!("after the poisoned job:\n{health}");
                restarts = health
                    .members
                    .iter()
                    .filter(|m| m.role == Role::Worker)
                    .map(|m| m.restarts)
                    .sum();
            }
            // The pool grows while jobs flow …
            100_000 => {
                eco.add_worker()?;
                eco.add_worker()?;
            }
            // … and shrinks again: each removed worker leaves the routing,
            // drains what it holds, then stops.
            150_000 => {
                eco.remove_worker()?;
                eco.remove_worker()?;
                eco.remove_worker()?;
            }
            _ => {}
        }
    }
    let (submitted, mut done) = pipeline.coordinator.progress()?;
    while done < submitted {
        std::thread::sleep(Duration::from_millis(5));
        done = pipeline.coordinator.progress()?.1;
    }
    let elapsed = began.elapsed();
    println!("after {JOBS} jobs:\n{}", pipeline.health());
    println!(
        "{done} of {submitted} jobs done in {elapsed:.2?} ({:.0} jobs/s); {restarts} restart(s); \
         {} dead letter(s) (the poisoned job: a message whose handler panicked)",
        done as f64 / elapsed.as_secs_f64(),
        node.dead_letters().count()
    );
    assert_eq!((submitted, done), (JOBS, JOBS), "no job lost");
    assert_eq!(restarts, 1, "the poisoned worker came back");
    let archive = archive(&pipeline);
    assert!(archive.restarts >= 1, "the archive went over its max_heap");
    let held = archive
        .memory
        .bytes()
        .expect("the accounting allocator is installed");
    assert!(
        held <= 2 << 20,
        "the archive holds {held} bytes, under its limit"
    );
    println!(
        "the archive was restarted {} time(s) for its memory, and holds {} now",
        archive.restarts, archive.memory
    );
    assert_eq!(node.dead_letters().count(), 1, "only the poisoned job");
    assert!(pipeline.health().status.is_healthy());
    pipeline.stop();
    node.shutdown()?;
    Ok(())
}

/// The archive's health.
fn archive(pipeline: &Pipeline) -> MemberHealth {
    pipeline
        .health()
        .member("archive")
        .cloned()
        .expect("the archive is a member")
}

/// Submits a job, waiting a moment while the coordinator is above its high
/// watermark (a thread is refused then: `SendError::Overloaded`).
fn submit(pipeline: &Pipeline, job: Job) {
    let mut job = job;
    loop {
        match pipeline.coordinator.submit(job) {
            Ok(()) => return,
            Err(SendError::Overloaded(back)) => {
                job = match back {
                    pipeline::CoordinatorMsg::Submit(job) => job,
                    _ => unreachable!(),
                };
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(other) => panic!("{other}"),
        }
    }
}
