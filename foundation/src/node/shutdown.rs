//! The shutdown sequence: refuse spawns, stop every actor, let the
//! registries and timers go, stop the scheduler threads.

use core::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::shared::Shared;
use crate::error::ShutdownError;
use crate::scheduler;
use crate::sync::lock;

/// The shutdown sequence; see [`Node::shutdown`].
pub(super) fn shutdown(shared: &Arc<Shared>) -> Result<(), ShutdownError> {
    if scheduler::on_scheduler_of(&shared.scheduler) {
        // We hold one of the threads we would join: finish elsewhere.
        let helper = Arc::clone(shared);
        let name = format!("{}-shutdown", shared.name);
        let started = std::thread::Builder::new().name(name).spawn(move || {
            if let Err(error) = shutdown(&helper) {
                tracing::warn!(node = %helper.name, "{error}");
            }
        });
        if let Err(error) = started {
            tracing::error!(node = %shared.name, "could not start the shutdown thread: {error}");
        }
        return Ok(());
    }

    // Everything that can fail is computed before any state changes: a
    // timeout too long for the clock (`Duration::MAX`) means no deadline.
    let deadline = Instant::now().checked_add(shared.shutdown_timeout);

    // Only the first caller proceeds; later callers wait for it by taking
    // the `threads` lock, which it holds until the end.
    let mut done = lock(&shared.shutting_down);
    if *done {
        return Ok(());
    }
    *done = true;
    shared.accepting.store(false, SeqCst);
    let hooks = core::mem::take(&mut *lock(&shared.on_shutdown));
    for hook in hooks {
        hook();
    }

    // Ask every actor to stop. Stopping actors may still spawn (refused).
    let actors = shared.actors.all();
    for actor in actors {
        actor.request_shutdown(true);
    }

    // Wait for them. Polled: stopping is the actors' business, and a
    // millisecond's latency is nothing at shutdown. Past the deadline, an
    // actor still discarding its backlog is waited for: that is progress
    // (bounded by what is queued), not a handler that does not return.
    let mut remaining_actors = loop {
        let live = shared.actors.counts().live;
        let running = live.saturating_sub(shared.discarding.load(SeqCst));
        if live == 0 || (running > 0 && deadline.is_some_and(|d| Instant::now() >= d)) {
            break running;
        }
        std::thread::sleep(Duration::from_millis(1));
    };

    // Waiters for services fail; the registries let go of every actor.
    shared.names.shutdown();

    // No more timers; join the threads of blocking actors that have stopped
    // (a stuck one is left behind, like a stuck scheduler thread).
    shared.timers.stop();
    shared.memory.stop();
    let blocking = std::mem::take(&mut *lock(&shared.blocking));
    for handle in blocking {
        if remaining_actors == 0 || handle.is_finished() {
            let _ = handle.join();
        }
    }

    // Tell the scheduler threads to exit, and join those that do; those
    // still inside a handler are left behind, detached. What they finished
    // meanwhile (actors that had not run yet stop as the threads exit) is
    // not reported: only what is still running then.
    let stuck_schedulers = shared.scheduler.stop(deadline);
    remaining_actors = remaining_actors.min(still_running(shared));
    drop(done);
    if remaining_actors > 0 || stuck_schedulers > 0 {
        return Err(ShutdownError::Timeout {
            remaining_actors,
            stuck_schedulers,
        });
    }
    tracing::debug!(node = %shared.name, "node shut down");
    Ok(())
}

/// Actors not stopped yet, less those only discarding their backlog.
fn still_running(shared: &Shared) -> usize {
    shared
        .actors
        .counts()
        .live
        .saturating_sub(shared.discarding.load(SeqCst))
}
