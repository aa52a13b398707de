//! Process identifiers.

use core::fmt;

/// Identifies one actor: its node, its number on that node, and its
/// incarnation (which changes on every restart). Printed like Erlang's pids,
/// `<node.number.incarnation>`.
///
/// A number names a slot of the node's actor table; a slot freed by a
/// stopped actor is reused, and the number then carries how often (its
/// *generation*), so that no two actors ever share a pid. A reused slot
/// prints as `slot/generation`: `<0.70.0>` is the first actor in slot 70,
/// `<0.70/2.0>` the third. [`Pid::from_str`](core::str::FromStr) reads both
/// forms back.
///
/// ```
/// use foundation::{Actor, Context, Node, Pid};
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
/// assert_eq!(a.pid().to_string().parse::<Pid>()?, a.pid());
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
    ///
    /// ```
    /// use foundation::Pid;
    ///
    /// let pid: Pid = "<3.17.2>".parse()?;
    /// assert_eq!(pid.node(), 3);
    /// # Ok::<(), foundation::ParsePidError>(())
    /// ```
    pub fn node(&self) -> u32 {
        self.node
    }

    /// The actor's number on its node.
    ///
    /// ```
    /// use foundation::Pid;
    ///
    /// let pid: Pid = "<3.17.2>".parse()?;
    /// assert_eq!(pid.number(), 17); // the actor's address on its node
    /// # Ok::<(), foundation::ParsePidError>(())
    /// ```
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The incarnation: 0 at spawn, one more on each restart.
    ///
    /// ```
    /// use foundation::Pid;
    ///
    /// let pid: Pid = "<3.17.2>".parse()?;
    /// assert_eq!(pid.incarnation(), 2); // its third life: restarted twice
    /// # Ok::<(), foundation::ParsePidError>(())
    /// ```
    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }
}

/// The part of a number that names a slot, and the part that counts its
/// reuses (see `node/table.rs`).
const SLOT_BITS: u32 = 32;

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = self.number & ((1 << SLOT_BITS) - 1);
        let generation = self.number >> SLOT_BITS;
        if generation == 0 {
            write!(f, "<{}.{}.{}>", self.node, slot, self.incarnation)
        } else {
            write!(
                f,
                "<{}.{}/{}.{}>",
                self.node, slot, generation, self.incarnation
            )
        }
    }
}

/// Why a string is not a pid; see [`Pid`]'s `FromStr`.
///
/// ```
/// use foundation::{ParsePidError, Pid};
///
/// assert_eq!("<0.7.0>".parse::<Pid>().map(|p| p.number()), Ok(7));
/// assert!(matches!("0.7.0".parse::<Pid>(), Err(ParsePidError { .. })));
/// assert_eq!(
///     "<0.7>".parse::<Pid>().unwrap_err().to_string(),
///     "`<0.7>` is not a pid: expected <node.number.incarnation>, with the number as slot or slot/generation"
/// );
/// ```
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error(
    "`{input}` is not a pid: expected <node.number.incarnation>, with the number as slot or slot/generation"
)]
pub struct ParsePidError {
    input: String,
}

impl core::str::FromStr for Pid {
    type Err = ParsePidError;

    /// Reads what [`Display`](fmt::Display) writes: `<node.slot.incarnation>`
    /// or `<node.slot/generation.incarnation>`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ParsePidError {
            input: text.to_string(),
        };
        let inner = text
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .ok_or_else(error)?;
        let mut parts = inner.split('.');
        let (Some(node), Some(number), Some(incarnation), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(error());
        };
        let (slot, generation) = match number.split_once('/') {
            Some((slot, generation)) => (slot, generation.parse::<u32>().map_err(|_| error())?),
            None => (number, 0),
        };
        let slot = slot.parse::<u32>().map_err(|_| error())?;
        if generation == 0 && number.contains('/') {
            // `slot/0` is written `slot`: one spelling per pid.
            return Err(error());
        }
        Ok(Pid::new(
            node.parse().map_err(|_| error())?,
            (u64::from(generation) << SLOT_BITS) | u64::from(slot),
            incarnation.parse().map_err(|_| error())?,
        ))
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn display_and_from_str_agree_for_fresh_and_reused_slots() {
        for (node, number, incarnation, text) in [
            (0, 70, 0, "<0.70.0>"),
            (3, 384 | (1 << 32), 2, "<3.384/1.2>"),
            (
                u32::MAX,
                u64::MAX,
                u32::MAX,
                "<4294967295.4294967295/4294967295.4294967295>",
            ),
        ] {
            let pid = Pid::new(node, number, incarnation);
            assert_eq!(pid.to_string(), text);
            assert_eq!(text.parse::<Pid>(), Ok(pid));
        }
    }

    #[test]
    fn malformed_pids_are_refused() {
        for text in [
            "",
            "<>",
            "<0.1>",
            "<0.1.2.3>",
            "0.1.2",
            "<0.1.2",
            "<a.1.2>",
            "<0.1/0.2>",
            "<0.1/.2>",
            "<0.4294967296.0>",
            "<-1.1.2>",
            "< 0.1.2>",
        ] {
            assert!(text.parse::<Pid>().is_err(), "{text:?} parsed");
        }
    }
}
