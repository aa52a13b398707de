//! Accounts: the live bytes charged to one owner (an actor's incarnation,
//! a node's shared pool), and the thread-local tag that says which
//! account a thread's allocations are charged to.
//!
//! Nothing here allocates through the global allocator: an account is
//! allocated from [`System`] directly, and the tag is a `const`
//! thread-local without a destructor, so the accounting allocator can use
//! both from inside `alloc` and `dealloc`.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use core::ptr::{self, NonNull};
use core::sync::atomic::AtomicU64;
#[cfg(test)]
use core::sync::atomic::Ordering::Acquire;
use core::sync::atomic::Ordering::{AcqRel, Relaxed};
use std::alloc::System;

/// The low bits of an account's word count its holders; the rest its bytes.
const REF_BITS: u32 = 16;
const REF_ONE: u64 = 1;
const REF_MASK: u64 = (1 << REF_BITS) - 1;

/// The live bytes charged to one owner, and how many holders keep it.
///
/// One word, `bytes << 16 | holders`, so that whoever brings both to zero
/// — the last holder letting go, or the last free of a byte charged to it
/// — knows it, and frees the account: an allocation outlives its owner
/// (a message sent, a buffer handed on) and is credited back whenever and
/// wherever it is freed. Allocations are never zero-sized, so an account
/// with live bytes has a non-zero word.
pub(crate) struct Account {
    word: AtomicU64,
}

impl Account {
    /// Bytes charged now. A thread running the owner adds what it
    /// allocates in sums (see [`FLUSH_AT`]), so a free on another thread
    /// can be credited before its allocation was charged: the word's
    /// bytes, a signed 48-bit number, are then briefly below zero, and
    /// read as 0.
    #[inline]
    pub(crate) fn bytes(&self) -> u64 {
        ((self.word.load(Relaxed) as i64) >> REF_BITS).max(0) as u64
    }

    /// Charges `size` bytes. The caller holds the account, or is charging
    /// an allocation tagged with it whose bytes keep it alive.
    #[inline]
    pub(crate) fn charge(&self, size: usize) {
        self.word.fetch_add((size as u64) << REF_BITS, Relaxed);
    }

    /// Credits `size` bytes back; frees the account if that was its last
    /// byte and nobody holds it.
    ///
    /// # Safety
    ///
    /// `account` is live, and `size` bytes were charged to it and not yet
    /// credited back.
    #[inline]
    pub(crate) unsafe fn credit(account: NonNull<Account>, size: usize) {
        let amount = (size as u64) << REF_BITS;
        // SAFETY: live by the contract: its unreturned bytes keep it.
        let before = unsafe { account.as_ref() }.word.fetch_sub(amount, AcqRel);
        if before == amount {
            // SAFETY: no bytes and no holders are left: nobody can reach
            // it any more (a holder would have kept a count).
            unsafe { Account::free(account) };
        }
    }

    /// # Safety
    ///
    /// Nothing refers to the account: no holder, no byte charged.
    unsafe fn free(account: NonNull<Account>) {
        // SAFETY: by the contract; it came from `System` with this layout.
        unsafe { System.dealloc(account.as_ptr().cast(), Layout::new::<Account>()) }
    }
}

/// A holder of an [`Account`]: while one exists the account stays, and
/// allocations may be charged to it. Dropping the last holder of an
/// account with no live bytes frees it.
pub(crate) struct AccountRef(NonNull<Account>);

// SAFETY: the account is shared by atomics only.
unsafe impl Send for AccountRef {}
// SAFETY: as above.
unsafe impl Sync for AccountRef {}

impl AccountRef {
    /// A new account, with this as its one holder.
    pub(crate) fn new() -> AccountRef {
        let layout = Layout::new::<Account>();
        // SAFETY: a non-zero-sized layout; the system allocator, so that
        // the account itself is charged to no one (and an allocation from
        // inside the accounting allocator cannot recurse).
        let p = unsafe { System.alloc(layout) }.cast::<Account>();
        let Some(p) = NonNull::new(p) else {
            std::alloc::handle_alloc_error(layout)
        };
        // SAFETY: freshly allocated for an `Account`.
        unsafe {
            ptr::write(
                p.as_ptr(),
                Account {
                    word: AtomicU64::new(REF_ONE),
                },
            )
        };
        AccountRef(p)
    }

    /// The account.
    #[inline]
    pub(crate) fn get(&self) -> &Account {
        // SAFETY: a holder keeps the account alive.
        unsafe { self.0.as_ref() }
    }

    /// Its address, for the thread-local tag.
    #[inline]
    pub(crate) fn as_ptr(&self) -> *const Account {
        self.0.as_ptr()
    }
}

impl Clone for AccountRef {
    #[inline]
    fn clone(&self) -> Self {
        let before = self.get().word.fetch_add(REF_ONE, Relaxed);
        assert!(
            before & REF_MASK != REF_MASK,
            "too many holders of an account"
        );
        AccountRef(self.0)
    }
}

impl Drop for AccountRef {
    #[inline]
    fn drop(&mut self) {
        let before = self.get().word.fetch_sub(REF_ONE, AcqRel);
        if before == REF_ONE {
            // SAFETY: no bytes, and we were the last holder.
            unsafe { Account::free(self.0) };
        }
    }
}

impl core::fmt::Debug for AccountRef {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Account")
            .field("bytes", &self.get().bytes())
            .finish()
    }
}

/// Where a thread's allocations are charged: `account` (null: to no one),
/// or `pool` for those of at least `threshold` bytes (a `shared`
/// actor's large buffers).
#[derive(Clone, Copy)]
pub(crate) struct Tag {
    pub(crate) account: *const Account,
    pub(crate) pool: *const Account,
    pub(crate) threshold: usize,
    /// Set while [`installed`](super::allocator::installed) asks whether
    /// the accounting allocator sees this thread's allocations.
    pub(crate) probing: bool,
}

impl Tag {
    /// Charged to no one.
    pub(crate) const NONE: Tag = Tag {
        account: ptr::null(),
        pool: ptr::null(),
        threshold: usize::MAX,
        probing: false,
    };

    /// The account an allocation of `size` bytes is charged to.
    #[inline]
    pub(crate) fn owner(self, size: usize) -> *const Account {
        if size >= self.threshold {
            self.pool
        } else {
            self.account
        }
    }
}

/// This thread's accounting state: the tag; the bytes charged to (or
/// credited back from) the tag's account that this thread has not yet
/// added to it; and its slot of the process's total. Charging the running
/// actor's own account costs a thread-local add, not an atomic one; the
/// sum goes to the account when the tag changes (a run ends, a factory
/// returns) and between messages ([`flush`]).
struct Local {
    tag: Cell<Tag>,
    pending: Cell<i64>,
    /// Index into the total's slots (`usize::MAX`: not chosen yet).
    slot: Cell<usize>,
}

/// A pending sum at least this large (either way) goes to the account at
/// once: a figure read while a handler runs is never further off.
pub(crate) const FLUSH_AT: i64 = 64 << 10;

impl Local {
    /// Keeps `pending` for `account` (the tag's), or adds it to the
    /// account now if it has grown to [`FLUSH_AT`].
    #[inline]
    fn settle(&self, pending: i64, account: *const Account) {
        if pending.unsigned_abs() < FLUSH_AT as u64 {
            self.pending.set(pending);
        } else {
            self.pending.set(0);
            // SAFETY: the tag's account is held by whoever set the tag.
            unsafe { add_signed(account, pending) };
        }
    }
}

/// Adds a signed number of bytes to a held account.
///
/// # Safety
///
/// `account` is held (live, with a holder).
#[inline]
unsafe fn add_signed(account: *const Account, bytes: i64) {
    // A negative sum is added as its two's complement: the account's
    // true bytes (added and pending) never go below 0, and a holder keeps
    // the word above zero, so this never frees it.
    // SAFETY: by the contract.
    unsafe {
        (*account)
            .word
            .fetch_add((bytes << REF_BITS) as u64, Relaxed);
    }
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            tag: Cell::new(Tag::NONE),
            pending: Cell::new(0),
            slot: Cell::new(usize::MAX),
        }
    };
}

/// This thread's tag (`Tag::NONE` while the thread-local is gone).
#[inline]
pub(crate) fn current() -> Tag {
    LOCAL.try_with(|l| l.tag.get()).unwrap_or(Tag::NONE)
}

/// A new allocation of `size` bytes: charged to this thread's tag's
/// owner for that size — its pending sum for the tag's own account, an
/// atomic add for another (the shared pool) — and added to this thread's
/// slot of the total (`total`, given the slot index: `usize::MAX` when the
/// thread-local is gone). Returns the owner, for the allocation's tag, and
/// whether the tag was probing.
#[inline]
pub(crate) fn on_alloc(
    size: usize,
    total: impl Fn(&Cell<usize>, i64) + Copy,
) -> (*const Account, bool) {
    let found = LOCAL.try_with(|l| {
        let tag = l.tag.get();
        let owner = tag.owner(size);
        if !owner.is_null() {
            if owner == tag.account {
                l.settle(l.pending.get() + size as i64, owner);
            } else {
                // SAFETY: a tag's accounts are held by whoever set it.
                unsafe { (*owner).charge(size) };
            }
        }
        total(&l.slot, size as i64);
        (owner, tag.probing)
    });
    match found {
        Ok(found) => found,
        // The thread is going away: charged to no one.
        Err(_) => {
            total(&Cell::new(usize::MAX), size as i64);
            (ptr::null(), false)
        }
    }
}

/// A freed allocation of `size` bytes tagged `owner` (null: no one):
/// credited back (which may free the account), and taken off this
/// thread's slot of the total.
///
/// # Safety
///
/// `owner` is the freed allocation's tag: live while the allocation was.
#[inline]
pub(crate) unsafe fn on_free(
    owner: *const Account,
    size: usize,
    total: impl Fn(&Cell<usize>, i64) + Copy,
) {
    let pending = LOCAL.try_with(|l| {
        total(&l.slot, -(size as i64));
        if !owner.is_null() && l.tag.get().account == owner {
            l.settle(l.pending.get() - size as i64, owner);
            true
        } else {
            false
        }
    });
    if pending.is_err() {
        total(&Cell::new(usize::MAX), -(size as i64));
    }
    if pending != Ok(true)
        && let Some(account) = NonNull::new(owner.cast_mut())
    {
        // SAFETY: the allocation's bytes kept its owner alive.
        unsafe { Account::credit(account, size) };
    }
}

/// Moves `size` bytes from `from` to `to` (either null: no one), with
/// atomic adds (the pending sum is flushed first).
///
/// # Safety
///
/// `from` is live while the bytes are charged to it; `to` is held.
pub(crate) unsafe fn transfer(from: *const Account, to: *const Account, size: usize) {
    flush();
    if !to.is_null() {
        // SAFETY: held by the caller.
        unsafe { (*to).charge(size) };
    }
    if let Some(from) = NonNull::new(from.cast_mut()) {
        // SAFETY: by the contract.
        unsafe { Account::credit(from, size) };
    }
}

/// Adds this thread's pending sum to its tag's account, so that readers
/// see it (and a limit is checked against it).
#[inline]
pub(crate) fn flush() {
    let _ = LOCAL.try_with(|l| {
        let pending = l.pending.replace(0);
        let account = l.tag.get().account;
        if pending != 0 && !account.is_null() {
            // SAFETY: the tag's account is held by whoever set the tag.
            unsafe { add_signed(account, pending) };
        }
    });
}

/// Charges this thread's allocations per `tag` until dropped.
///
/// # Safety
///
/// The accounts in `tag` stay alive until the guard is dropped (their
/// holders outlive it).
#[inline]
pub(crate) unsafe fn enter(tag: Tag) -> TagGuard {
    flush();
    TagGuard {
        outer: LOCAL.with(|l| l.tag.replace(tag)),
    }
}

/// Restores the tag that was current before [`enter`], its pending sum
/// added to its account first.
pub(crate) struct TagGuard {
    outer: Tag,
}

impl Drop for TagGuard {
    #[inline]
    fn drop(&mut self) {
        flush();
        LOCAL.with(|l| l.tag.set(self.outer));
    }
}

/// Runs `f` with its allocations charged to `account` (`None`: as they
/// are now): a child's factory runs under the child's account.
#[inline]
pub(crate) fn charged_to<R>(account: Option<&AccountRef>, f: impl FnOnce() -> R) -> R {
    let Some(account) = account else {
        return f();
    };
    let tag = Tag {
        account: account.as_ptr(),
        ..current()
    };
    // SAFETY: `account`'s holder is borrowed for longer than the guard;
    // the pool, if any, is the enclosing tag's, kept by its holder.
    let _guard = unsafe { enter(tag) };
    f()
}

/// Runs `f` with its allocations charged to no actor (the process's total
/// only): a mailbox's queue blocks, which belong to no one's code.
#[inline]
pub(crate) fn uncharged<R>(f: impl FnOnce() -> R) -> R {
    let tag = current();
    if tag.account.is_null() && tag.pool.is_null() {
        // Charged to no one already (always, without the allocator).
        return f();
    }
    // SAFETY: the tag holds no account.
    let _guard = unsafe { enter(Tag::NONE) };
    f()
}

/// Reads an account's bytes through a raw pointer (an allocation's tag).
///
/// # Safety
///
/// `account` is live.
#[cfg(test)]
unsafe fn bytes_of(account: *const Account) -> u64 {
    // SAFETY: by the contract.
    unsafe { (*account).word.load(Acquire) as i64 >> REF_BITS }.max(0) as u64
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn an_account_lives_while_held_or_charged() {
        let account = AccountRef::new();
        account.get().charge(100);
        let raw = NonNull::new(account.as_ptr().cast_mut()).unwrap();
        let second = account.clone();
        drop(account);
        assert_eq!(second.get().bytes(), 100);
        drop(second);
        // No holder, 100 bytes: still alive (Miri would see a use after
        // free otherwise); crediting them frees it.
        // SAFETY: 100 bytes were charged and not credited.
        unsafe {
            assert_eq!(bytes_of(raw.as_ptr()), 100);
            Account::credit(raw, 60);
            assert_eq!(bytes_of(raw.as_ptr()), 40);
            Account::credit(raw, 40);
        }
    }

    #[test]
    fn a_tag_sends_large_allocations_to_the_pool() {
        let account = AccountRef::new();
        let pool = AccountRef::new();
        let tag = Tag {
            account: account.as_ptr(),
            pool: pool.as_ptr(),
            threshold: 4096,
            probing: false,
        };
        assert_eq!(tag.owner(10), account.as_ptr());
        assert_eq!(tag.owner(4096), pool.as_ptr());
        assert!(Tag::NONE.owner(1 << 30).is_null());
        assert!(current().account.is_null());
        charged_to(Some(&account), || {
            assert_eq!(current().account, account.as_ptr());
        });
        assert!(current().account.is_null());
    }
}
