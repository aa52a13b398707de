//! Health: a service's [`Health`] from its actor's state and its check,
//! and the registry's [`ServiceInfo`] summary.
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::names::tables::services::{HealthCheck, Namespace};
use crate::panic::payload_text;
use crate::task::Task;

pub(super) fn health_of(task: &Task, check: Option<&HealthCheck>) -> Health {
    if task.current_pid().is_none() || task.is_retired() {
        return Health::Unavailable;
    }
    let Some(check) = check else {
        return Health::Healthy;
    };
    match catch_unwind(AssertUnwindSafe(|| check())) {
        Ok(Ok(())) => Health::Healthy,
        Ok(Err(reason)) => Health::Unhealthy(reason),
        Err(payload) => Health::Unhealthy(format!(
            "the health check panicked: {}",
            payload_text(&*payload)
        )),
    }
}

/// A service's health; see [`ServiceRegistry::health_check`](crate::ServiceRegistry::health_check).
///
/// ```
/// use foundation::Health;
///
/// let verdicts = [Health::Healthy, Health::Unhealthy("disk full".into()), Health::Unavailable];
/// let serving = verdicts.iter().filter(|h| **h == Health::Healthy).count();
/// assert_eq!(serving, 1);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Running, and its check (if any) passed.
    Healthy,
    /// Running, and its check failed: why.
    Unhealthy(String),
    /// Its actor is not running: stopping, or waiting for a restart.
    Unavailable,
}

/// Counts of a namespace's services; see [`ServiceRegistry::service_info`](crate::ServiceRegistry::service_info)
/// for an example.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInfo {
    /// The namespace counted.
    pub namespace: Namespace,
    /// Services registered.
    pub total: usize,
    /// Running, check passed (or none).
    pub healthy: usize,
    /// Running, check failed.
    pub unhealthy: usize,
    /// Not running.
    pub unavailable: usize,
    /// Services that have a health check.
    pub with_health_check: usize,
}
