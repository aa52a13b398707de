//! The 1.x services on a node: a configuration layered from defaults, a
//! TOML file's text and the environment, changed while the node runs with
//! an actor told of each change; events stored with a correlation id and
//! their causes, read back as a chain; errors carrying their breadcrumbs;
//! telemetry to a printed handler and the node's figures as metrics; and a
//! payment gateway behind a rate limiter, a circuit breaker and a pool of
//! workers, its breaker tripping and recovering.
//!
//! Run it with `cargo run --release --example services`.

use std::time::Duration;

use foundation::config::{Config, ConfigChange, Setting, Value};
use foundation::events::{Event, EventId};
use foundation::infrastructure::{
    CircuitBreaker, Pool, PoolOptions, ProtectedError, Protection, RateLimiter, execute_protected,
};
use foundation::prelude::*;
use foundation::{ErrorContext, ManualClock};
use serde::{Deserialize, Serialize};

// ---- configuration -----------------------------------------------------------

/// The shop's settings: how many items an order may hold (changeable while
/// the node runs) and its currency (fixed).
fn shop_config() -> foundation::Result<Config> {
    let positive = |v: &Value| match v {
        Value::Integer(n) if *n > 0 => Ok(()),
        _ => Err("an order must be allowed at least one item".to_string()),
    };
    Ok(Config::builder()
        .setting(
            Setting::new("orders.max_items", 3)
                .updatable()
                .validate(positive)
                .describe("the most items one order may hold"),
        )
        .setting(Setting::new("orders.currency", "EUR"))
        .setting(Setting::new("orders.confirm_within", Duration::from_secs(30)).updatable())
        // A file's text (a program would use `.file("shop.toml")`) …
        .toml("[orders]\nmax_items = 5\n")
        // … then the environment: the program passes its variables; only
        // `FOUNDATION_*` ones are read.
        .env(std::env::vars())
        .build()?)
}

/// Prints each configuration change it is told about.
#[actor]
#[derive(Default)]
struct SettingsWatcher {
    heard: u32,
}

#[handlers]
impl SettingsWatcher {
    pub fn changed(&mut self, change: ConfigChange) {
        self.heard += 1;
        println!(
            "  config: {} changed from {} to {} ({:?})",
            change.path, change.old, change.new, change.cause
        );
    }

    /// How many changes it has heard (a call: handled after the changes
    /// sent before it).
    pub fn heard(&self) -> u32 {
        self.heard
    }
}

// ---- the shop ------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug)]
struct Placed {
    order: u32,
    items: u32,
}

/// Takes orders within the configured limit; records what it does as
/// events, each order's events sharing a correlation id and each caused by
/// the one before.
#[actor]
#[derive(Default)]
struct Shop {
    next: u32,
}

/// The shop's own error code: an order over the limit.
const TOO_MANY_ITEMS: foundation::ErrorCode =
    foundation::ErrorCode::new(10_001, "shop.too_many_items");

#[handlers]
impl Shop {
    /// Places an order of `items`: the order's number and its last event,
    /// or why it was refused.
    pub fn place(
        &mut self,
        items: u32,
        ctx: &mut Context<Self>,
    ) -> Result<(u32, EventId), foundation::Error> {
        let max: u32 = ctx.config().get("orders.max_items")?;
        self.next += 1;
        let order = self.next;
        let correlation = format!("order-{order}");
        let events = ctx.events();
        let received = events
            .store(Event::new("order.received", &items)?.correlation_id(correlation.clone()))?
            .id();
        if items > max {
            events.store(
                Event::new("order.refused", &max)?
                    .correlation_id(correlation.clone())
                    .parent(received),
            )?;
            return Err(foundation::Error::new(
                TOO_MANY_ITEMS,
                foundation::ErrorCategory::Data,
                format!("{items} items, at most {max}"),
            )
            .with_detail("order", order)
            .with_correlation_id(correlation));
        }
        let validated = events
            .store(
                Event::new("order.validated", &max)?
                    .correlation_id(correlation.clone())
                    .parent(received),
            )?
            .id();
        let placed = events
            .store(
                Event::new("order.placed", &Placed { order, items })?
                    .correlation_id(correlation)
                    .parent(validated),
            )?
            .id();
        // Telemetry: an event for the attached handlers (and `tracing`),
        // and a counter for the metrics facade.
        let telemetry = ctx.telemetry();
        telemetry.execute(
            "shop.order.placed",
            &[("items", f64::from(items))],
            &[("order", &order.to_string())],
        )?;
        telemetry.counter("shop.orders")?.increment(1);
        Ok((order, placed))
    }
}

// ---- the payment gateway ------------------------------------------------------

/// A connection to the payment provider, which declines large amounts.
#[actor]
#[derive(Default)]
struct Gateway;

#[handlers]
impl Gateway {
    /// Charges `cents`: the provider's receipt, or its refusal.
    pub fn charge(&mut self, cents: u64) -> Result<String, String> {
        if cents > 10_000 {
            Err(format!("the provider declined {cents} cents"))
        } else {
            Ok(format!("receipt for {cents} cents"))
        }
    }
}

/// Charges through the protection; the error as text.
fn charge(protection: &Protection<Gateway>, customer: &str, cents: u64) -> String {
    let outcome = execute_protected(customer, protection, |gateway| {
        gateway
            .expect("a pooled protection lends a worker")
            .charge(cents)
            .map_err(|e| e.to_string())?
    })
    .wait();
    match outcome {
        Ok(receipt) => receipt,
        Err(ProtectedError::Failed(declined)) => format!("failed: {declined}"),
        Err(refused) => format!("refused: {refused}"),
    }
}

fn main() -> foundation::Result<()> {
    // A manual clock makes the events' timestamps exact.
    let clock = ManualClock::new();
    let node = Node::builder()
        .name("shop")
        .schedulers(2)
        .clock(clock.clone())
        .config(shop_config()?)
        .start()?;
    let config = node.config();
    println!("settings:");
    for setting in config.settings() {
        println!(
            "  {} = {}{}",
            setting.path(),
            config.value(setting.path())?,
            if setting.is_updatable() {
                " (updatable)"
            } else {
                ""
            }
        );
    }

    // Telemetry: a handler printing what the shop and the supervisors
    // report (it runs on the emitting thread: keep it short).
    node.telemetry().attach("printer", "shop", |event| {
        println!(
            "  telemetry: {} {:?} {:?} (node {})",
            event.name, event.measurements, event.metadata, event.node
        );
    })?;

    let watcher = node.spawn(SettingsWatcher::default())?;
    config.subscribe(watcher.recipient());
    let shop = node.spawn(Shop::default())?;

    println!("orders:");
    clock.advance(Duration::from_secs(1));
    let (first, _) = shop.place(2)??;
    println!("  order {first}: placed");
    clock.advance(Duration::from_secs(1));
    match shop.place(8)? {
        Ok((order, _)) => println!("  order {order}: placed"),
        Err(refused) => println!("  refused: {refused}"),
    }

    println!("changes:");
    config.update("orders.max_items", 10)?;
    match config.update("orders.currency", "USD") {
        Ok(()) => unreachable!("the currency is fixed"),
        Err(error) => println!("  refused: {error}"),
    }
    match config.update("orders.max_items", 0) {
        Ok(()) => unreachable!("validated"),
        Err(error) => println!("  refused: {error}"),
    }
    clock.advance(Duration::from_secs(1));
    let (third, last_event) = shop.place(8)??;
    println!("  order {third}: placed under the new limit");

    println!("the events of order {third}, cause first:");
    for event in node.events().correlation_chain(last_event)? {
        println!(
            "  #{} at {:?}: {} ({})",
            event.id(),
            event.timestamp(),
            event.event_type(),
            event.correlation().unwrap_or("-")
        );
    }
    let stats = node.events().stats();
    println!(
        "event store: {} events, {} bytes; by type {:?}",
        stats.held, stats.bytes, stats.by_type
    );

    // An error with its breadcrumbs: a lookup inside an operation.
    let mut report = ErrorContext::new("daily-report").with_correlation_id("report-1");
    report.breadcrumb("orders counted");
    let missing = report
        .with_context(|| node.events().get(999))
        .expect_err("no event 999");
    println!("an error, enriched: {missing}");

    config.reset();
    println!(
        "after reset: orders.max_items = {}",
        config.value("orders.max_items")?
    );
    // The watcher has printed every change once this answers.
    assert_eq!(watcher.heard()?, 2);

    println!("payments (breaker: 2 failures open it for 30 s):");
    let pool = Pool::start(
        &node,
        "gateway",
        PoolOptions {
            size: 2,
            max_overflow: 1,
            checkout_timeout: Duration::from_secs(5),
        },
        Gateway::default,
    )?;
    let breaker = CircuitBreaker::new(&node, "payments", 2, Duration::from_secs(30))?;
    let protection = Protection::pooled(&pool)
        .rate_limiter(&RateLimiter::new(&node, 5, Duration::from_secs(1))?)
        .breaker(&breaker);
    for (customer, cents) in [
        ("ada", 2_500),
        ("bob", 50_000),
        ("cy", 70_000),
        ("ada", 900),
    ] {
        let outcome = charge(&protection, customer, cents);
        println!(
            "  {customer}, {cents} cents: {outcome} (breaker {})",
            breaker.state()
        );
    }
    clock.advance(Duration::from_secs(30));
    println!("  30 s later the breaker is {}", breaker.state());
    let outcome = charge(&protection, "ada", 900);
    println!("  ada, 900 cents: {outcome} (breaker {})", breaker.state());
    for n in 0..6 {
        let outcome = charge(&protection, "eve", 100);
        if n == 5 {
            println!("  eve's 6th charge within a second: {outcome}");
        }
    }
    println!("  pool: {:?}", pool.stats());

    println!("metrics:");
    for metric in node.telemetry().metrics_for("shop") {
        println!("  {} = {:?}", metric.name, metric.value);
    }
    for metric in node.telemetry().metrics_for("foundation.actors") {
        println!("  {} = {}", metric.name, metric.value.as_f64());
    }
    node.shutdown()?;
    Ok(())
}
