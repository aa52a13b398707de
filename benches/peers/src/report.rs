//! Turns run.sh's results (a TSV file) into `docs/benchmarks.md` and one
//! SVG bar chart per workload.
//!
//! Input lines, tab-separated:
//! - `SYSTEM  WORKLOAD  t1 t2 ..` — times in ns, or `n/a`;
//! - `SYSTEM  memory    BYTES`    — bytes per idle actor, or `n/a`;
//! - `meta    KEY       VALUE`    — machine, date, versions, mode.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;

use crate::Workload;

/// The systems in report order, with how each runs.
const SYSTEMS: [(&str, &str); 8] = [
    (
        "foundation-2",
        "Foundation, 2 scheduler threads (the reference)",
    ),
    ("foundation-1", "Foundation, 1 scheduler thread"),
    ("erlang", "Erlang/OTP, `erl +S 2:2` (2 schedulers)"),
    (
        "actix",
        "actix, its default `System`: every actor on one thread",
    ),
    (
        "kameo",
        "kameo, multi-threaded tokio runtime (one worker per core, as `#[tokio::main]`), default bounded(64) mailboxes",
    ),
    (
        "ractor",
        "ractor, multi-threaded tokio runtime (one worker per core, as `#[tokio::main]`), unbounded mailboxes",
    ),
    (
        "threads",
        "thread-per-actor: an OS thread and a crossbeam channel per actor (at most 10,000 threads)",
    ),
    (
        "crossbeam",
        "raw crossbeam-channel between plain threads: the floor (message workloads only)",
    ),
];

const REFERENCE: &str = "foundation-2";

struct Results {
    times: BTreeMap<(String, String), Vec<u128>>,
    memory: BTreeMap<String, Option<f64>>,
    /// Bytes left allocated by a shared and a cloned broadcast.
    broadcast_memory: BTreeMap<String, Option<(f64, f64)>>,
    meta: BTreeMap<String, String>,
}

fn parse(text: &str) -> Result<Results, String> {
    let mut results = Results {
        times: BTreeMap::new(),
        memory: BTreeMap::new(),
        broadcast_memory: BTreeMap::new(),
        meta: BTreeMap::new(),
    };
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.splitn(3, '\t');
        let (Some(a), Some(b), Some(c)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(format!(
                "line {}: expected three tab-separated fields",
                number + 1
            ));
        };
        let c = c.trim();
        if a == "meta" {
            results.meta.insert(b.to_string(), c.to_string());
        } else if b == "memory" {
            results.memory.insert(a.to_string(), c.parse::<f64>().ok());
        } else if b == "broadcast-memory" {
            let mut figures = c.split_whitespace().map(|f| f.parse::<f64>().ok());
            let pair = match (figures.next().flatten(), figures.next().flatten()) {
                (Some(shared), Some(cloned)) => Some((shared, cloned)),
                _ => None,
            };
            results.broadcast_memory.insert(a.to_string(), pair);
        } else if c != "n/a" {
            let times = c
                .split_whitespace()
                .map(|t| {
                    t.parse::<u128>()
                        .map_err(|e| format!("line {}: {e}", number + 1))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if times.is_empty() {
                return Err(format!("line {}: no times", number + 1));
            }
            results.times.insert((a.to_string(), b.to_string()), times);
        }
    }
    Ok(results)
}

/// Median, min and max.
fn stats(times: &[u128]) -> (f64, f64, f64) {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2] as f64
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0
    };
    (median, sorted[0] as f64, sorted[n - 1] as f64)
}

/// The units a system actually handled: thread-per-actor caps its threads.
fn units(system: &str, workload: Workload) -> usize {
    let units = workload.units();
    match (system, workload) {
        ("threads", Workload::Spawn { .. } | Workload::ForkJoin { .. }) => {
            units.min(crate::MAX_THREADS)
        }
        _ => units,
    }
}

fn unit_name(workload: Workload) -> &'static str {
    match workload {
        Workload::Spawn { .. } | Workload::ForkJoin { .. } => "actor",
        Workload::PingPong { .. } => "round trip",
        Workload::Ring { .. } => "hop",
        Workload::Broadcast { .. } => "member",
        Workload::Ecosystem { .. } => "worker",
        Workload::Ask { .. } => "call",
        _ => "message",
    }
}

fn duration(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

pub fn write(results: &str, out: &str, charts: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(results).map_err(|e| format!("{results}: {e}"))?;
    let results = parse(&text)?;
    let quick = results.meta.get("mode").is_some_and(|m| m == "quick");
    std::fs::create_dir_all(charts).map_err(|e| format!("{charts}: {e}"))?;
    let chart_link = Path::new(charts)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();

    let mut md = String::new();
    let meta = |key: &str| results.meta.get(key).cloned().unwrap_or_else(|| "?".into());
    writeln!(md, "# Foundation against its peers\n").unwrap();
    writeln!(
        md,
        "Written by `benches/peers/run.sh{}` on {}. The workloads and the rules are those of \
         `../shared/BENCHMARKS.md`: each system runs each workload once to warm up, then {} times, \
         each in a fresh process; the timed region ends when the receiving side has handled \
         everything. Figures are medians with min–max; **ratios are per unit (actor, message, \
         round trip, hop) against Foundation with 2 scheduler threads in the same run** \
         (above 1: slower than Foundation).\n",
        if quick { " --quick" } else { "" },
        meta("date"),
        meta("runs"),
    )
    .unwrap();
    writeln!(md, "## Machine and versions\n").unwrap();
    for key in [
        "machine",
        "cpu",
        "rustc",
        "erlang",
        "foundation",
        "actix",
        "kameo",
        "ractor",
        "tokio",
        "crossbeam-channel",
    ] {
        writeln!(md, "- {key}: {}", meta(key)).unwrap();
    }
    if quick {
        writeln!(
            md,
            "- mode: **quick** (sizes divided by 10): a smoke run, not the figures to quote"
        )
        .unwrap();
    }
    writeln!(md, "\n## How each system runs\n").unwrap();
    for (system, how) in SYSTEMS {
        writeln!(md, "- `{system}`: {how}").unwrap();
    }

    writeln!(
        md,
        "\n## Summary: per-unit ratio to Foundation (2 schedulers)\n"
    )
    .unwrap();
    let header: Vec<&str> = SYSTEMS.iter().map(|(s, _)| *s).collect();
    writeln!(md, "| workload | {} |", header.join(" | ")).unwrap();
    writeln!(md, "|---|{}", "---|".repeat(header.len())).unwrap();
    let mut sections = String::new();
    for name in Workload::NAMES {
        let workload = Workload::parse(name, quick).expect("a known workload");
        let per_unit = |system: &str| {
            results
                .times
                .get(&(system.to_string(), name.to_string()))
                .map(|t| {
                    let (median, min, max) = stats(t);
                    let u = units(system, workload) as f64;
                    (median, min, max, median / u)
                })
        };
        let reference = per_unit(REFERENCE).map(|r| r.3);
        let mut row = format!("| {name} |");
        for (system, _) in SYSTEMS {
            match (per_unit(system), reference) {
                (Some((.., unit)), Some(reference)) => {
                    write!(row, " {:.2} |", unit / reference).unwrap()
                }
                _ => row.push_str(" — |"),
            }
        }
        writeln!(md, "{row}").unwrap();

        writeln!(sections, "\n### {name}\n").unwrap();
        writeln!(sections, "{}\n", describe(workload)).unwrap();
        writeln!(sections, "![{name}]({chart_link}/{name}.svg)\n").unwrap();
        writeln!(
            sections,
            "| system | units | median | min–max | per {} | ratio |",
            unit_name(workload)
        )
        .unwrap();
        writeln!(sections, "|---|---|---|---|---|---|").unwrap();
        let mut bars = Vec::new();
        for (system, _) in SYSTEMS {
            match per_unit(system) {
                Some((median, min, max, unit)) => {
                    let ratio = reference.map_or("—".to_string(), |r| format!("{:.2}", unit / r));
                    writeln!(
                        sections,
                        "| {system} | {} | {} | {}–{} | {} | {ratio} |",
                        units(system, workload),
                        duration(median),
                        duration(min),
                        duration(max),
                        duration(unit),
                    )
                    .unwrap();
                    bars.push((system, unit));
                }
                None => writeln!(sections, "| {system} | — | n/a | | | |").unwrap(),
            }
        }
        chart(
            &format!("{charts}/{name}.svg"),
            name,
            unit_name(workload),
            &bars,
        )?;
    }
    md.push_str("\n## Workloads\n");
    md.push_str(&sections);

    writeln!(md, "\n## Memory per idle actor\n").unwrap();
    writeln!(
        md,
        "Bytes allocated per spawned idle actor (10,000 of them), from a counting global \
         allocator; Erlang's from `erlang:memory(processes)`. A thread's stack is mapped, not \
         allocated, so thread-per-actor's figure leaves out its 64 KiB stack reservation.\n"
    )
    .unwrap();
    writeln!(md, "| system | bytes per idle actor | ratio |").unwrap();
    writeln!(md, "|---|---|---|").unwrap();
    let reference = results.memory.get(REFERENCE).copied().flatten();
    for (system, _) in SYSTEMS {
        match results.memory.get(system).copied().flatten() {
            Some(bytes) => {
                let ratio = reference.map_or("—".to_string(), |r| format!("{:.1}", bytes / r));
                writeln!(md, "| {system} | {bytes:.0} | {ratio} |").unwrap();
            }
            None => writeln!(md, "| {system} | n/a | |").unwrap(),
        }
    }
    if !results.broadcast_memory.is_empty() {
        writeln!(md, "\n## Memory of a broadcast\n").unwrap();
        writeln!(
            md,
            "Bytes left allocated once every member of a broadcast holds the 1 MiB payload \
             it was sent: one shared buffer (`broadcast`; Foundation's `broadcast_optimized`, \
             an `Arc` for the other Rust systems, a reference-counted binary for Erlang) or a \
             copy each (`broadcast-cloned`), from the counting allocator (Erlang: \
             `erlang:memory(total)`).\n"
        )
        .unwrap();
        writeln!(md, "| system | shared | cloned | cloned / shared |").unwrap();
        writeln!(md, "|---|---|---|---|").unwrap();
        let mib = |b: f64| format!("{:.1} MiB", b / (1u64 << 20) as f64);
        for (system, _) in SYSTEMS {
            match results.broadcast_memory.get(system).copied().flatten() {
                Some((shared, cloned)) => writeln!(
                    md,
                    "| {system} | {} | {} | {:.0}x |",
                    mib(shared),
                    mib(cloned),
                    cloned / shared.max(1.0)
                )
                .unwrap(),
                None => writeln!(md, "| {system} | n/a | n/a | |").unwrap(),
            }
        }
    }
    if let Some(notes) = results.meta.get("notes") {
        writeln!(md, "\n## Notes\n\n{}", notes.replace("\\n", "\n")).unwrap();
    }
    writeln!(md, "\n## Reproduce\n\n```sh\nbenches/peers/run.sh          # about 10 minutes\nbenches/peers/run.sh --quick  # a smoke run, under 5 minutes\n```").unwrap();
    std::fs::write(out, md).map_err(|e| format!("{out}: {e}"))
}

fn describe(workload: Workload) -> String {
    match workload {
        Workload::Spawn { n } => format!(
            "Spawn {n} idle actors, then stop them all and wait until every one has stopped."
        ),
        Workload::PingPong { n } => format!("Two actors, {n} round trips (Savina PingPong)."),
        Workload::Stream { n } => format!(
            "One producing actor sends {n} messages to one counting actor (Savina Counting)."
        ),
        Workload::FanIn { senders, n } => {
            format!("{senders} producing actors send {n} messages in all to one counting actor.")
        }
        Workload::Ring { actors, hops } => format!(
            "A token travels {hops} hops around a ring of {actors} actors (Savina ThreadRing)."
        ),
        Workload::ForkJoin { workers } => format!(
            "Create {workers} actors, send each one message; each answers and stops (Savina Fork-Join)."
        ),
        Workload::Broadcast {
            members,
            bytes,
            shared,
        } => format!(
            "Send {} to each of {members} actors, which keep it and say so; {}.",
            if bytes >= 1 << 20 {
                format!("{} MiB", bytes >> 20)
            } else {
                format!("{bytes} bytes")
            },
            if shared {
                "one shared buffer (Foundation: `broadcast_optimized` to a process group; an `Arc` for the other Rust systems; Erlang shares binaries this large by itself)"
            } else {
                "a copy each (Foundation: `Group::broadcast` of a `Vec`, cloned per member; a `Vec` clone per send elsewhere; `binary:copy/1` in Erlang)"
            }
        ),
        Workload::Ecosystem { workers } => format!(
            "Start a supervised group of a coordinator and {workers} workers, send one request to \
             each worker through the coordinator and wait for every answer (Foundation: \
             `spawn_ecosystem`, which returns once every member has started, and the pool's \
             routing; OTP: a supervisor with a gen_server coordinator and gen_server workers, \
             the coordinator given `which_children`; actix: `Supervisor::start` for each; kameo: \
             workers `spawn_link`ed to the coordinator; ractor: workers `spawn_linked` under the \
             coordinator; thread-per-actor: a thread and a channel each, no supervision)."
        ),
        Workload::Ask { n, blocking: true } => format!(
            "Ask one actor {n} times from outside the actors, each answer awaited before the next              request: Foundation from a plain thread with a blocking `call` (the generated method);              actix `send().await` from a task of its own system; kameo `ask` and ractor `call!`              from a task of a 2-worker tokio runtime; thread-per-actor a request and a fresh              `bounded(1)` reply channel; Erlang `gen_server:call` from a process."
        ),
        Workload::Ask { n, blocking: false } => format!(
            "As `ask` ({n} requests), every system from an async task: Foundation's `call_async`              (the generated `_async` method) awaited in a task of a 2-worker tokio runtime; the              others as in `ask` (their ask is async already; thread-per-actor and Erlang do not              run it)."
        ),
    }
}

/// A horizontal bar chart of the per-unit medians, Foundation in its own colour.
fn chart(path: &str, name: &str, unit: &str, bars: &[(&str, f64)]) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("{path}: {e}");
    let root = SVGBackend::new(path, (720, 60 + 36 * bars.len() as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let max = bars.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let min = bars
        .iter()
        .map(|(_, v)| *v)
        .fold(f64::INFINITY, f64::min)
        .max(1e-3);
    // A spread of more than 30x (thread-per-actor spawning) would flatten
    // every other bar: then the axis is logarithmic (bars start at the
    // decade below the smallest value).
    let log = max / min > 30.0;
    let at = |v: f64| if log { v.log10() } else { v };
    let (x_from, x_to) = if log {
        (min.log10().floor(), max.log10() + 0.25)
    } else {
        (0.0, (max * 1.15).max(1.0))
    };
    let labels: Vec<String> = bars.iter().map(|(s, _)| s.to_string()).collect();
    // Bars centred on y = 1..=n, so the axis's whole-number key points
    // carry the systems' names.
    let n = bars.len() as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "{name}: ns per {unit} (shorter is better{})",
                if log { "; log scale" } else { "" }
            ),
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(110)
        .build_cartesian_2d(x_from..x_to, (n + 0.6)..0.4)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_label_formatter(&|x: &f64| {
            if log && (x - x.round()).abs() > 1e-6 {
                return String::new(); // decades only
            }
            let v = if log { 10f64.powf(*x) } else { *x };
            if v >= 100.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.3}")
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_string()
            }
        })
        .y_labels(bars.len())
        .y_label_formatter(&|y: &f64| {
            let index = y.round() as usize;
            if (y - y.round()).abs() < 1e-6 && index >= 1 {
                labels.get(index - 1).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(|e| fail(&e))?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (system, value))| {
            let colour = if system.starts_with("foundation") {
                RGBColor(0x1f, 0x6f, 0xb4)
            } else {
                RGBColor(0x9a, 0x9a, 0x9a)
            };
            let y = i as f64 + 1.0;
            Rectangle::new(
                [(x_from, y - 0.35), (at(*value), y + 0.35)],
                colour.filled(),
            )
        }))
        .map_err(|e| fail(&e))?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
            Text::new(
                format!(" {value:.0}"),
                (at(*value), i as f64 + 0.85),
                ("sans-serif", 13),
            )
        }))
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}
