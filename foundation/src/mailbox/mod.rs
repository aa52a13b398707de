//! One mailbox face with its flavors behind it (crossbeam-channel's
//! `flavors/` layout): the runtime sees a single `Mailbox<M>` type; which
//! queue discipline it uses is a private enum.
//!
//! Flow control (ADR 0007): a mailbox may hold at most a number of
//! messages, or have a high mark past which senders are held back: its
//! [`Bound`]. The bound is kept beside the mailbox, in the
//! actor's cell, and handed to each push: four bytes that fit where the
//! cell had padding (a `Bound` inside `Mailbox` would have cost eight, and
//! the cell its 128-byte size class). Runtime envelopes (signals,
//! continuations) and the notices the runtime sends on an actor's behalf
//! skip the bound: they are bounded by what the actor asked for.

mod credit;
mod queue;

/// The raw queue, for the loom models.
#[cfg(all(test, loom))]
pub(crate) mod queue_for_loom {
    pub(crate) use super::queue::Queue;
}

pub(crate) use credit::{CreditPool, CreditWaiter};
pub(crate) use queue::Pop;
use queue::Queue;

use crate::error::SendError;

/// An actor's mailbox.
pub(crate) struct Mailbox<M> {
    flavor: Flavor<M>,
}

enum Flavor<M> {
    /// Unbounded, lock-free, allocation-free until the first message.
    Unbounded(Queue<M>),
}

impl<M> Mailbox<M> {
    /// An unbounded mailbox.
    pub(crate) fn unbounded() -> Self {
        Mailbox {
            flavor: Flavor::Unbounded(Queue::new()),
        }
    }

    /// Queues `convert(input)`; hands `input` back if the mailbox is closed
    /// (`Closed`) or, bounded, holds its bound already (`Full`). Never
    /// blocks. `filled` runs when the message filled a queue block (see
    /// `Queue::push_with`), the moment to look at a high mark.
    #[inline]
    pub(crate) fn push_with<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> M,
        bound: Bound,
        filled: impl FnOnce(),
    ) -> Result<(), SendError<I>> {
        match &self.flavor {
            // The unbounded push (almost every push) inlined without the
            // bound's check in its loop; a bounded one out of line.
            Flavor::Unbounded(q) if bound.is_manual() => {
                push_bounded(q, input, convert, bound, filled)
            }
            Flavor::Unbounded(q) => q.push_with(input, convert, usize::MAX, filled),
        }
    }

    /// Takes the next message.
    ///
    /// # Safety
    ///
    /// Only the actor's runner (the thread holding its RUNNING state) may
    /// call this, `drain_closed`.
    #[inline]
    pub(crate) unsafe fn pop(&self) -> Pop<M> {
        match &self.flavor {
            // SAFETY: forwarded contract.
            Flavor::Unbounded(q) => unsafe { q.pop() },
        }
    }

    /// Refuses every later message.
    pub(crate) fn close(&self) -> bool {
        match &self.flavor {
            Flavor::Unbounded(q) => q.close(),
        }
    }

    /// Whether the mailbox refuses messages.
    pub(crate) fn is_closed(&self) -> bool {
        match &self.flavor {
            Flavor::Unbounded(q) => q.is_closed(),
        }
    }

    /// After `close`: hands every message queued before the close to `f`.
    ///
    /// # Safety
    ///
    /// As [`Mailbox::pop`].
    pub(crate) unsafe fn drain_closed(&self, f: impl FnMut(M)) -> usize {
        match &self.flavor {
            // SAFETY: forwarded contract.
            Flavor::Unbounded(q) => unsafe { q.drain_closed(f) },
        }
    }

    /// Messages queued (a snapshot under concurrency).
    pub(crate) fn len(&self) -> usize {
        match &self.flavor {
            Flavor::Unbounded(q) => q.len(),
        }
    }

    /// Messages taken out since the mailbox was made (see [`Queue::taken`]).
    pub(crate) fn taken(&self) -> usize {
        match &self.flavor {
            Flavor::Unbounded(q) => q.taken(),
        }
    }

    /// Gives back an empty mailbox's last block; returns the positions
    /// skipped (see `Queue::release_idle`).
    ///
    /// # Safety
    ///
    /// Consumer only, as [`Mailbox::pop`].
    pub(crate) unsafe fn release_idle(&self) -> usize {
        match &self.flavor {
            // SAFETY: forwarded contract.
            Flavor::Unbounded(q) => unsafe { q.release_idle() },
        }
    }
}

#[inline(never)]
fn push_bounded<M, I>(
    q: &Queue<M>,
    input: I,
    convert: impl FnOnce(I) -> M,
    bound: Bound,
    filled: impl FnOnce(),
) -> Result<(), SendError<I>> {
    q.push_with(input, convert, bound.limit(), filled)
}

/// A mailbox's flow-control numbers (ADR 0007), the low bits of a `u32`
/// kept in the actor's cell (whose other bits are flow control's flags,
/// [`Bound::OVERLOADED`] and [`Bound::ROOM_WANTED`], so that a send tests
/// "limited or overloaded" with one load and one branch):
///
/// ```text
///   bits 0..28  the size: an automatic mailbox's high mark (0: none), a
///               manual one's bound, a credit-based one's pool
///   bit 28      CREDIT   (with LIMITED) the mailbox is credit-based
///   bit 29      ROOM_WANTED  flag: threads wait for room
///   bit 30      OVERLOADED   flag: above the high mark
///   bit 31      LIMITED  a send is checked out of line: manual or credit
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bound(u32);

impl Bound {
    /// An automatic mailbox without marks: it takes every message.
    pub(crate) const UNBOUNDED: Bound = Bound(0);
    /// The largest bound, mark or pool: a mailbox of a hundred million
    /// messages is not bounded in any useful sense.
    pub(crate) const MAX: u32 = 1 << 27;
    /// A send is checked out of line: a manual or a credit-based mailbox.
    pub(crate) const LIMITED: u32 = 1 << 31;
    /// A credit-based mailbox (with `LIMITED`).
    pub(crate) const CREDIT: u32 = 1 << 28;
    const SIZE: u32 = Self::CREDIT - 1;
    /// Flag: an automatic mailbox is above its high mark (outside senders
    /// are refused, actor senders muted).
    pub(crate) const OVERLOADED: u32 = 1 << 30;
    /// Flag: threads wait for room (or for the low mark).
    pub(crate) const ROOM_WANTED: u32 = 1 << 29;
    /// Both flags.
    pub(crate) const FLAGS: u32 = Self::OVERLOADED | Self::ROOM_WANTED;

    /// The bound in a cell's flow word (its flags masked off).
    #[inline]
    pub(crate) fn of(word: u32) -> Bound {
        Bound(word & !Self::FLAGS)
    }

    /// The flow word of a new cell: the bound, no flags.
    pub(crate) fn word(self) -> u32 {
        self.0
    }

    /// A manual mailbox of at most `n` messages, `1 ..= Bound::MAX`.
    pub(crate) fn at_most(n: u32) -> Bound {
        debug_assert!((1..=Self::MAX).contains(&n), "checked by the options");
        Bound(n | Self::LIMITED)
    }

    /// An automatic mailbox with its high mark at `high` messages (its low
    /// mark at half that), `1 ..= Bound::MAX`.
    pub(crate) fn high_mark(high: u32) -> Bound {
        debug_assert!((1..=Self::MAX).contains(&high), "checked by the options");
        Bound(high)
    }

    /// A credit-based mailbox with a pool of `n` credits, `1 ..= Bound::MAX`
    /// (the pool itself lives in the cell's control block).
    pub(crate) fn credit(n: u32) -> Bound {
        debug_assert!((1..=Self::MAX).contains(&n), "checked by the options");
        Bound(n | Self::LIMITED | Self::CREDIT)
    }

    /// Whether the mailbox is bounded (flow control `manual`).
    #[inline]
    pub(crate) fn is_manual(self) -> bool {
        self.0 & (Self::LIMITED | Self::CREDIT) == Self::LIMITED
    }

    /// Whether the mailbox is credit-based.
    #[inline]
    pub(crate) fn is_credit(self) -> bool {
        self.0 & Self::CREDIT != 0
    }

    /// The size: the high mark, the bound or the pool.
    #[inline]
    pub(crate) fn size(self) -> u32 {
        self.0 & Self::SIZE
    }

    /// The queue's limit: `usize::MAX` for none.
    #[inline]
    fn limit(self) -> usize {
        match self.get() {
            Some(n) => n as usize,
            None => usize::MAX,
        }
    }

    /// The bound of a manual mailbox.
    pub(crate) fn get(self) -> Option<u32> {
        self.is_manual().then_some(self.size())
    }

    /// The high mark of an automatic mailbox.
    #[inline]
    pub(crate) fn high(self) -> Option<u32> {
        (self.0 & Self::LIMITED == 0 && self.0 != 0).then_some(self.0)
    }

    /// Where waiting senders are let go: half the bound, or half the high
    /// mark (the low mark).
    pub(crate) fn low(self) -> usize {
        self.size() as usize / 2
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_bound_reads_back_as_what_it_was_made_from() {
        let manual = Bound::at_most(Bound::MAX);
        assert!(manual.is_manual());
        assert_eq!(manual.get(), Some(Bound::MAX));
        assert_eq!(manual.high(), None);
        assert_eq!(manual.limit(), Bound::MAX as usize);
        assert_eq!(Bound::at_most(1).low(), 0);
        let auto = Bound::high_mark(100);
        assert!(!auto.is_manual());
        assert_eq!((auto.get(), auto.high(), auto.low()), (None, Some(100), 50));
        assert_eq!(auto.limit(), usize::MAX);
        assert_eq!(Bound::UNBOUNDED.high(), None);
        assert_eq!(Bound::UNBOUNDED.limit(), usize::MAX);
        // The flags in a cell's word do not change the bound read from it.
        let word = manual.word() | Bound::FLAGS;
        assert_eq!(Bound::of(word), manual);
        assert_eq!(Bound::of(auto.word() | Bound::OVERLOADED), auto);
        const {
            assert!(Bound::MAX & !Bound::SIZE == 0);
            assert!(Bound::SIZE & (Bound::LIMITED | Bound::CREDIT | Bound::FLAGS) == 0);
        };
        let credit = Bound::of(Bound::credit(Bound::MAX).word() | Bound::OVERLOADED);
        assert!(credit.is_credit() && !credit.is_manual());
        assert_eq!(
            (credit.get(), credit.high(), credit.limit()),
            (None, None, usize::MAX)
        );
        assert_eq!(credit.size(), Bound::MAX);
        assert!(!manual.is_credit() && !auto.is_credit());
    }
}
