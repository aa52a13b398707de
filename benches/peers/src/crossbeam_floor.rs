//! The floor: raw crossbeam-channel between plain threads, no actor system.
//! It runs the message workloads between two or more threads (pingpong,
//! stream, fanin); spawn, ring, fork-join and broadcast are about actors,
//! which it has none of ("n/a"; thread-per-actor is the hand-written one).

use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded};

use crate::{System, Workload};

pub struct Crossbeam;

impl System for Crossbeam {
    fn run(&self, workload: Workload) -> Option<Duration> {
        match workload {
            Workload::Spawn { .. }
            | Workload::ForkJoin { .. }
            | Workload::Ring { .. }
            | Workload::Broadcast { .. }
            | Workload::Ecosystem { .. }
            | Workload::Ask { .. } => None,
            Workload::PingPong { n } => {
                let (ping, ping_rx) = bounded::<()>(1);
                let (pong, pong_rx) = bounded::<()>(1);
                let ponger = thread::spawn(move || {
                    for () in ping_rx {
                        pong.send(()).unwrap();
                    }
                });
                let start = Instant::now();
                for _ in 0..n {
                    ping.send(()).unwrap();
                    pong_rx.recv().unwrap();
                }
                let elapsed = start.elapsed();
                drop(ping);
                ponger.join().unwrap();
                Some(elapsed)
            }
            Workload::Stream { n } | Workload::FanIn { n, .. } => {
                let senders = match workload {
                    Workload::FanIn { senders, .. } => senders,
                    _ => 1,
                };
                let (tx, rx) = unbounded::<u64>();
                let (go_tx, go) = bounded::<()>(0);
                let producers: Vec<_> = (0..senders)
                    .map(|_| {
                        let (tx, go) = (tx.clone(), go.clone());
                        thread::spawn(move || {
                            go.recv().unwrap();
                            for i in 0..n / senders {
                                tx.send(i as u64).unwrap();
                            }
                        })
                    })
                    .collect();
                drop(tx);
                let start = Instant::now();
                for _ in 0..senders {
                    go_tx.send(()).unwrap();
                }
                let mut seen = 0;
                while seen < n / senders * senders {
                    rx.recv().unwrap();
                    seen += 1;
                }
                let elapsed = start.elapsed();
                for producer in producers {
                    producer.join().unwrap();
                }
                Some(elapsed)
            }
        }
    }

    fn idle_bytes(&self, _actors: usize) -> Option<f64> {
        None
    }
}
