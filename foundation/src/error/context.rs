//! [`ErrorContext`]: an operation's id, breadcrumbs and parent, and
//! `with_context`, which turns an error or a panic inside it into an
//! [`Error`] that carries them (ADR 0011 §2).

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::error::umbrella::{Error, Result};
use crate::panic::{CatchScope, payload_text};

/// Operation ids: unique in the process (ids, not state: nothing is shared
/// between nodes through this).
static NEXT_OPERATION: AtomicU64 = AtomicU64::new(1);

/// An operation in progress, for its errors: a unique operation id, a name,
/// the breadcrumbs it left so far, the operation it is part of, and an
/// optional correlation id. [`with_context`](Self::with_context) runs code
/// in it: an error that code returns, or a panic it raises, comes out as an
/// [`Error`] carrying the trail — every enclosing operation's name and
/// breadcrumbs, the outermost first.
///
/// ```
/// use foundation::{CallError, ErrorContext};
///
/// let mut checkout = ErrorContext::new("checkout").with_correlation_id("req-7");
/// checkout.breadcrumb("cart validated");
/// let mut payment = checkout.child("payment");
/// payment.breadcrumb("card tokenized");
///
/// let error = payment
///     .with_context(|| -> Result<(), CallError> { Err(CallError::Timeout) })
///     .unwrap_err();
/// assert_eq!(error.code().name(), "call.timeout");
/// assert_eq!(error.breadcrumbs(), ["checkout", "cart validated", "payment", "card tokenized"]);
/// assert_eq!(error.detail("operation"), Some("payment"));
/// assert_eq!(error.correlation_id(), Some("req-7"));
/// ```
#[derive(Clone)]
pub struct ErrorContext {
    id: u64,
    operation: String,
    breadcrumbs: Vec<String>,
    parent: Option<Arc<ErrorContext>>,
    correlation_id: Option<String>,
}

impl ErrorContext {
    /// A new operation named `operation`, with a fresh operation id.
    ///
    /// ```
    /// use foundation::ErrorContext;
    /// let a = ErrorContext::new("import");
    /// let b = ErrorContext::new("import");
    /// assert_ne!(a.operation_id(), b.operation_id());
    /// assert_eq!(a.operation(), "import");
    /// ```
    pub fn new(operation: impl Into<String>) -> Self {
        ErrorContext {
            id: NEXT_OPERATION.fetch_add(1, Relaxed),
            operation: operation.into(),
            breadcrumbs: Vec::new(),
            parent: None,
            correlation_id: None,
        }
    }

    /// A sub-operation of this one (as it is now: breadcrumbs this one
    /// leaves later are not the child's), with its own id; it inherits the
    /// correlation id.
    ///
    /// ```
    /// use foundation::ErrorContext;
    /// let parent = ErrorContext::new("sync");
    /// let child = parent.child("fetch");
    /// assert_eq!(child.parent().map(|p| p.operation()), Some("sync"));
    /// ```
    pub fn child(&self, operation: impl Into<String>) -> Self {
        ErrorContext {
            parent: Some(Arc::new(self.clone())),
            correlation_id: self.correlation_id.clone(),
            ..ErrorContext::new(operation)
        }
    }

    /// The same context with a correlation id, given to the errors it
    /// makes (unless they carry their own).
    ///
    /// ```
    /// use foundation::ErrorContext;
    ///
    /// let request = ErrorContext::new("request").with_correlation_id("req-9");
    /// assert_eq!(request.child("load user").correlation_id(), Some("req-9")); // inherited
    /// ```
    pub fn with_correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// Records a step of the operation.
    ///
    /// ```
    /// use foundation::ErrorContext;
    /// let mut context = ErrorContext::new("deploy");
    /// context.breadcrumb("built").breadcrumb("uploaded");
    /// assert_eq!(context.breadcrumbs(), ["built", "uploaded"]);
    /// ```
    pub fn breadcrumb(&mut self, step: impl Into<String>) -> &mut Self {
        self.breadcrumbs.push(step.into());
        self
    }

    /// The operation's id, unique in the process.
    ///
    /// ```
    /// use foundation::ErrorContext;
    ///
    /// let (a, b) = (ErrorContext::new("a"), ErrorContext::new("a"));
    /// assert_ne!(a.operation_id(), b.operation_id()); // one per operation, even of the same name
    /// ```
    pub fn operation_id(&self) -> u64 {
        self.id
    }

    /// The operation's name.
    ///
    /// ```
    /// use foundation::ErrorContext;
    ///
    /// assert_eq!(ErrorContext::new("import").child("parse").operation(), "parse");
    /// ```
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// This operation's own breadcrumbs.
    ///
    /// ```
    /// use foundation::ErrorContext;
    ///
    /// let mut import = ErrorContext::new("import");
    /// import.breadcrumb("opened").breadcrumb("parsed");
    /// assert_eq!(import.breadcrumbs(), ["opened", "parsed"]); // this context's own steps
    /// ```
    pub fn breadcrumbs(&self) -> &[String] {
        &self.breadcrumbs
    }

    /// The operation this one is part of.
    ///
    /// ```
    /// use foundation::ErrorContext;
    ///
    /// let request = ErrorContext::new("request");
    /// let child = request.child("load user");
    /// assert_eq!(child.parent().map(|p| p.operation()), Some("request"));
    /// assert!(request.parent().is_none());
    /// ```
    pub fn parent(&self) -> Option<&ErrorContext> {
        self.parent.as_deref()
    }

    /// The correlation id, if any.
    ///
    /// ```
    /// use foundation::ErrorContext;
    ///
    /// assert_eq!(ErrorContext::new("job").correlation_id(), None);
    /// assert_eq!(ErrorContext::new("job").with_correlation_id("j-1").correlation_id(), Some("j-1"));
    /// ```
    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }

    /// Every enclosing operation's name and breadcrumbs, the outermost
    /// first, ending with this one's.
    ///
    /// ```
    /// use foundation::ErrorContext;
    /// let mut outer = ErrorContext::new("a");
    /// outer.breadcrumb("1");
    /// let inner = outer.child("b");
    /// assert_eq!(inner.trail(), ["a", "1", "b"]);
    /// ```
    pub fn trail(&self) -> Vec<String> {
        let mut chain = vec![self];
        while let Some(parent) = chain.last().and_then(|c| c.parent()) {
            chain.push(parent);
        }
        chain
            .into_iter()
            .rev()
            .flat_map(|c| core::iter::once(c.operation.clone()).chain(c.breadcrumbs.clone()))
            .collect()
    }

    /// The error `error` as seen from this operation: its trail in front
    /// of the error's breadcrumbs (unless they already start with it: an
    /// error from a sub-operation carries its parents' trail), the
    /// operation's name and id as details (unless an inner operation's
    /// are there), and the correlation id if the error has none.
    ///
    /// ```
    /// use foundation::{CallError, Error, ErrorContext};
    /// let context = ErrorContext::new("report");
    /// let error = context.enrich(Error::from(CallError::Stopped));
    /// assert_eq!(error.breadcrumbs(), ["report"]);
    /// assert_eq!(context.enrich(error).breadcrumbs(), ["report"]);
    /// ```
    pub fn enrich(&self, error: Error) -> Error {
        let mut error = if error.detail("operation").is_some() {
            error
        } else {
            error
                .with_detail("operation", &self.operation)
                .with_detail("operation_id", self.id)
        };
        let trail = self.trail();
        if !error.breadcrumbs().starts_with(&trail) {
            error.push_breadcrumbs(trail);
        }
        match (&self.correlation_id, error.correlation_id()) {
            (Some(id), None) => error.with_correlation_id(id.clone()),
            _ => error,
        }
    }

    /// Runs `f` in this operation. An error it returns converts into an
    /// [`Error`] (every narrow error of the runtime does), and a panic it
    /// raises is caught and becomes one (code `2001 panic`, severity high,
    /// not retryable); either way the error carries this context
    /// ([`enrich`](Self::enrich)).
    ///
    /// A panic caught here is `f`'s answer, not a crash: inside a handler
    /// the actor goes on serving, and the runtime does not report it as the
    /// actor's panic (a panic hook set by the program after a node started
    /// still sees it).
    ///
    /// ```
    /// use foundation::ErrorContext;
    ///
    /// let context = ErrorContext::new("parse");
    /// let error = context
    ///     .with_context(|| -> Result<u32, foundation::Error> { panic!("bad byte") })
    ///     .unwrap_err();
    /// assert_eq!(error.code().name(), "panic");
    /// assert_eq!(error.message(), "bad byte");
    /// assert_eq!(context.with_context(|| Ok::<_, foundation::Error>(7)).unwrap(), 7);
    /// ```
    pub fn with_context<T, E: Into<Error>>(
        &self,
        f: impl FnOnce() -> core::result::Result<T, E>,
    ) -> Result<T> {
        let outcome = {
            let _catching = CatchScope::enter();
            catch_unwind(AssertUnwindSafe(f))
        };
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(self.enrich(error.into())),
            Err(payload) => Err(self.enrich(Error::from_panic(payload_text(&*payload)))),
        }
    }
}

impl fmt::Debug for ErrorContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorContext")
            .field("operation_id", &self.id)
            .field("operation", &self.operation)
            .field("breadcrumbs", &self.breadcrumbs)
            .field("parent", &self.parent.as_ref().map(|p| p.operation_id()))
            .field("correlation_id", &self.correlation_id)
            .finish()
    }
}
