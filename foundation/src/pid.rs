//! Process identifiers.

use core::fmt;

/// Identifies one actor: its node, its number on that node, and its
/// incarnation (which changes on every restart). Printed like Erlang's pids,
/// `<node.number.incarnation>`.
///
/// ```
/// use foundation::{Actor, Context, Node};
///
/// struct Idle;
/// impl Actor for Idle {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let a = node.spawn(Idle)?;
/// let b = node.spawn(Idle)?;
/// assert_ne!(a.pid(), b.pid());
/// assert_eq!(a.pid().node(), node.id());
/// assert_eq!(a.pid().to_string(), format!("<{}.{}.0>", node.id(), a.pid().number()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pid {
    node: u32,
    incarnation: u32,
    number: u64,
}

impl Pid {
    pub(crate) fn new(node: u32, number: u64, incarnation: u32) -> Self {
        Pid {
            node,
            incarnation,
            number,
        }
    }

    /// The node's id (unique within this process).
    pub fn node(&self) -> u32 {
        self.node
    }

    /// The actor's number on its node.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The incarnation: 0 at spawn, one more on each restart.
    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}.{}.{}>", self.node, self.number, self.incarnation)
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
