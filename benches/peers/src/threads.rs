//! The hand-written pattern: one OS thread and one crossbeam channel per
//! actor. At most `MAX_THREADS` threads (spawn and fork-join are capped;
//! the report says so).

use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, bounded, unbounded};

use crate::{MAX_THREADS, System, Workload};

pub struct Threads;

/// An actor: a thread that runs `handle` on each message until it returns
/// false or every sender is gone.
fn actor<M: Send + 'static>(
    mut handle: impl FnMut(M) -> bool + Send + 'static,
) -> (Sender<M>, JoinHandle<()>) {
    let (tx, rx) = unbounded();
    let thread = thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            for msg in rx {
                if !handle(msg) {
                    break;
                }
            }
        })
        .expect("a thread");
    (tx, thread)
}

impl System for Threads {
    fn run(&self, workload: Workload) -> Option<Duration> {
        let (done_tx, done) = bounded::<()>(1);
        let start;
        match workload {
            Workload::Spawn { n } => {
                let n = n.min(MAX_THREADS);
                start = Instant::now();
                let actors: Vec<_> = (0..n).map(|_| actor(|()| false)).collect();
                for (tx, _) in &actors {
                    tx.send(()).unwrap();
                }
                for (_, thread) in actors {
                    thread.join().unwrap();
                }
            }
            Workload::PingPong { n } => {
                let (to_pinger, pinger_rx) = unbounded::<()>();
                let (ponger, ponger_thread) = {
                    let to_pinger = to_pinger.clone();
                    actor(move |()| to_pinger.send(()).is_ok())
                };
                let (pinger, pinger_thread) = actor(move |()| {
                    for _ in 0..n {
                        ponger.send(()).unwrap();
                        pinger_rx.recv().unwrap();
                    }
                    done_tx.send(()).unwrap();
                    false
                });
                start = Instant::now();
                pinger.send(()).unwrap();
                done.recv().unwrap();
                let elapsed = start.elapsed();
                pinger_thread.join().unwrap();
                drop(to_pinger);
                ponger_thread.join().unwrap();
                return Some(elapsed);
            }
            Workload::Stream { n } | Workload::FanIn { n, .. } => {
                let senders = match workload {
                    Workload::FanIn { senders, .. } => senders,
                    _ => 1,
                };
                let mut seen = 0;
                let (counter, counter_thread) = actor(move |_: u64| {
                    seen += 1;
                    if seen == n {
                        done_tx.send(()).unwrap();
                    }
                    true
                });
                let go: Vec<_> = (0..senders)
                    .map(|_| {
                        let counter = counter.clone();
                        actor(move |()| {
                            for i in 0..n / senders {
                                counter.send(i as u64).unwrap();
                            }
                            false
                        })
                    })
                    .collect();
                start = Instant::now();
                for (tx, _) in &go {
                    tx.send(()).unwrap();
                }
                done.recv().unwrap();
                let elapsed = start.elapsed();
                for (_, thread) in go {
                    thread.join().unwrap();
                }
                drop(counter);
                counter_thread.join().unwrap();
                return Some(elapsed);
            }
            Workload::Ring { actors, hops } => {
                let (nexts, rxs): (Vec<_>, Vec<_>) =
                    (0..actors).map(|_| unbounded::<usize>()).unzip();
                let threads: Vec<_> = rxs
                    .into_iter()
                    .enumerate()
                    .map(|(i, rx)| {
                        let next = nexts[(i + 1) % actors].clone();
                        let done_tx = done_tx.clone();
                        thread::spawn(move || {
                            for hops_left in rx {
                                if hops_left == 0 {
                                    done_tx.send(()).unwrap();
                                    return;
                                }
                                if next.send(hops_left - 1).is_err() {
                                    return;
                                }
                            }
                        })
                    })
                    .collect();
                start = Instant::now();
                nexts[0].send(hops).unwrap();
                done.recv().unwrap();
                let elapsed = start.elapsed();
                drop(nexts);
                for thread in threads {
                    thread.join().unwrap();
                }
                return Some(elapsed);
            }
            Workload::Broadcast {
                members,
                bytes,
                shared,
            } => {
                #[allow(dead_code)] // held by the member, to be counted
                enum Keep {
                    Shared(Arc<Vec<u8>>),
                    Owned(Vec<u8>),
                }
                let (told, reports) = unbounded();
                let keepers: Vec<_> = (0..members.min(MAX_THREADS))
                    .map(|_| {
                        let told = told.clone();
                        let mut kept = Vec::new();
                        actor(move |keep: Keep| {
                            kept.push(keep);
                            told.send(()).unwrap();
                            true
                        })
                    })
                    .collect();
                let before = crate::alloc::live();
                start = Instant::now();
                // Shared: one `Arc` of the buffer, counted per member.
                let data = Arc::new(crate::payload(bytes));
                for (tx, _) in &keepers {
                    tx.send(if shared {
                        Keep::Shared(Arc::clone(&data))
                    } else {
                        Keep::Owned((*data).clone())
                    })
                    .unwrap();
                }
                for _ in 0..keepers.len() {
                    reports.recv().unwrap();
                }
                let elapsed = start.elapsed();
                crate::broadcast_measured(before);
                for (tx, thread) in keepers {
                    drop(tx);
                    thread.join().unwrap();
                }
                return Some(elapsed);
            }
            Workload::Ecosystem { workers } => {
                // What a Rust user writes without a framework: a thread
                // and a channel per worker and for the coordinator, which
                // is handed the workers' senders; no supervision.
                enum ToCoordinator {
                    Go(Vec<Sender<()>>, Sender<()>),
                    Answer,
                }
                start = Instant::now();
                let left = std::cell::Cell::new(0usize);
                let finished = std::cell::RefCell::new(None::<Sender<()>>);
                let (coordinator, coordinator_thread) = actor(move |msg: ToCoordinator| {
                    match msg {
                        ToCoordinator::Go(workers, done) => {
                            left.set(workers.len());
                            *finished.borrow_mut() = Some(done);
                            for worker in &workers {
                                worker.send(()).unwrap();
                            }
                        }
                        ToCoordinator::Answer => {
                            left.set(left.get() - 1);
                            if left.get() == 0 {
                                finished.borrow_mut().take().unwrap().send(()).unwrap();
                            }
                        }
                    }
                    true
                });
                let workers: Vec<_> = (0..workers.min(MAX_THREADS))
                    .map(|_| {
                        let coordinator = coordinator.clone();
                        actor(move |()| coordinator.send(ToCoordinator::Answer).is_ok())
                    })
                    .collect();
                let senders = workers.iter().map(|(tx, _)| tx.clone()).collect();
                coordinator
                    .send(ToCoordinator::Go(senders, done_tx.clone()))
                    .unwrap();
                done.recv().unwrap();
                let elapsed = start.elapsed();
                drop(coordinator);
                for (tx, thread) in workers {
                    drop(tx);
                    thread.join().unwrap();
                }
                coordinator_thread.join().unwrap();
                return Some(elapsed);
            }
            Workload::Ask { n, blocking } => {
                if !blocking {
                    // No async side to ask from.
                    return None;
                }
                // A request and a fresh `bounded(1)` reply channel each,
                // what a Rust user writes without a framework.
                let (echo, thread) = actor(|(i, reply): (u64, Sender<u64>)| {
                    reply.send(i).unwrap();
                    true
                });
                start = Instant::now();
                for i in 0..n as u64 {
                    let (reply, answer) = bounded(1);
                    echo.send((i, reply)).unwrap();
                    assert_eq!(answer.recv().unwrap(), i);
                }
                let elapsed = start.elapsed();
                drop(echo);
                thread.join().unwrap();
                return Some(elapsed);
            }
            Workload::ForkJoin { workers } => {
                let workers = workers.min(MAX_THREADS);
                let (results_tx, results) = unbounded();
                start = Instant::now();
                let threads: Vec<_> = (0..workers)
                    .map(|i| {
                        let results_tx = results_tx.clone();
                        let (tx, thread) = actor(move |n: u64| {
                            results_tx.send(n.wrapping_mul(2654435761) >> 7).unwrap();
                            false
                        });
                        tx.send(i as u64).unwrap();
                        thread
                    })
                    .collect();
                for _ in 0..workers {
                    results.recv().unwrap();
                }
                let elapsed = start.elapsed();
                for thread in threads {
                    thread.join().unwrap();
                }
                return Some(elapsed);
            }
        }
        Some(start.elapsed())
    }

    fn idle_bytes(&self, actors: usize) -> Option<f64> {
        let actors = actors.min(MAX_THREADS);
        let (bytes, handles) = crate::alloc::per_actor(
            actors,
            || actor(|()| false),
            || thread::sleep(Duration::from_millis(100)),
        );
        for (tx, _) in &handles {
            tx.send(()).unwrap();
        }
        for (_, thread) in handles {
            thread.join().unwrap();
        }
        Some(bytes)
    }
}
