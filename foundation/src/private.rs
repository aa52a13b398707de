//! What the macros of `foundation-macros` expand to, besides the public API.
//! Not for hand-written code: no stability promise.

pub use crate::introspect::{DeclaredOptions, HandlerInfo, HandlerKind};
pub use core;
pub use core::time::Duration;
pub use inventory;

/// One `#[actor]`, as `inventory` collects it.
#[derive(Debug)]
pub struct ActorRegistration {
    /// The type's name.
    pub name: &'static str,
    /// `module_path!()` and the name.
    pub type_path: &'static str,
    /// What `#[actor(...)]` declared.
    pub options: DeclaredOptions,
    /// The handlers; `None` for a generic actor (its `#[handlers]` block
    /// registers them as [`GenericHandlers`]).
    pub handlers: Option<&'static [HandlerInfo]>,
    /// Whether the type has generic parameters.
    pub generic: bool,
}

inventory::collect!(ActorRegistration);

/// The handlers of a generic actor, registered by its `#[handlers]` block
/// (which can name no instance of the type in a `static`).
#[derive(Debug)]
pub struct GenericHandlers {
    /// `module_path!()` and the type's name, as the block names it.
    pub type_path: &'static str,
    /// The handlers, in order.
    pub handlers: &'static [HandlerInfo],
}

inventory::collect!(GenericHandlers);

/// One `#[ecosystem]`, as `inventory` collects it.
#[derive(Debug)]
pub struct EcosystemRegistration {
    /// The struct's name.
    pub type_name: &'static str,
    /// `module_path!()` and the name.
    pub type_path: &'static str,
    /// The ecosystem's registered name.
    pub name: &'static str,
    /// `"one_for_one"`, `"one_for_all"` or `"rest_for_one"`.
    pub strategy: &'static str,
    /// The members, in start order.
    pub members: &'static [crate::introspect::MemberDecl],
}

inventory::collect!(EcosystemRegistration);

/// How `#[ecosystem]` makes a member that names no `factory`: its type's
/// `Default`. The diagnostic says what to do when it has none.
#[diagnostic::on_unimplemented(
    message = "the ecosystem member `{Self}` has no way to be made",
    label = "neither `Default` nor a `factory`",
    note = "derive or implement `Default` for `{Self}`, or name a factory function: `#[child(factory = make)]`"
)]
pub trait DefaultMember: Sized {
    /// A new member.
    fn make() -> Self;
}

impl<T: Default> DefaultMember for T {
    #[inline]
    fn make() -> Self {
        T::default()
    }
}

/// Checks, at a member field's type, that it is an actor (the `Actor`
/// trait's own diagnostic: "`X` is not an actor").
pub const fn assert_actor<A: crate::Actor>() {}

/// Checks, at a nested field's type, that it is a declared ecosystem.
pub const fn assert_ecosystem<E: crate::DeclaredEcosystem>() {}

/// Turns a `ReplyTo` into the reply's sender: `#[handlers]` answers a call
/// with what the handler returned. A failed reply (the caller gave up) is
/// no error of the actor's.
#[inline]
pub fn answer<T: Send + 'static>(reply: crate::ReplyTo<T>, value: T) {
    let _ = reply.reply(value);
}

/// `#[handlers]` measures each argument of its message enum with
/// `(&&Measure(arg)).measure(sizes)`: an argument whose type implements
/// [`MessageSize`](crate::MessageSize) is measured (the `&Measure` impl is
/// found first), any other is counted as unmeasured (the `Measure` impl,
/// found after one more dereference) — so a handler argument need not
/// implement it.
pub struct Measure<'a, T: ?Sized>(pub &'a T);

/// See [`Measure`].
pub trait MeasureSized {
    fn measure(&self, sizes: &mut crate::Sizes);
}

impl<T: crate::MessageSize + ?Sized> MeasureSized for &Measure<'_, T> {
    #[inline]
    fn measure(&self, sizes: &mut crate::Sizes) {
        self.0.add_heap(sizes);
    }
}

/// See [`Measure`].
pub trait MeasureUnknown {
    fn measure(&self, sizes: &mut crate::Sizes);
}

impl<T: ?Sized> MeasureUnknown for Measure<'_, T> {
    #[inline]
    fn measure(&self, sizes: &mut crate::Sizes) {
        sizes.unmeasured();
    }
}
