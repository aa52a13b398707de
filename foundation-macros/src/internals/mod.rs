//! What both macros share: the error collector, and how an error about a
//! whole item points at its head.

pub mod ctxt;
