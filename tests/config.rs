//! The node's configuration (issue 20, ADR 0011 §3): layers, reads,
//! updates, validation, resets and subscriptions, each with its error
//! path.

mod common;

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use common::{T, node, wait_until};
use foundation::config::{
    ChangeCause, Config, ConfigChange, ConfigError, Kind, Setting, Value, env_var,
};
use foundation::{
    Actor, ChildSpec, Context, Error, ErrorCategory, Node, ReplyTo, Restart, Supervisor,
};
use proptest::prelude::*;

fn port_in_range(v: &Value) -> Result<(), String> {
    match v {
        Value::Integer(n) if (1..=65535).contains(n) => Ok(()),
        _ => Err("a port is 1 to 65535".to_string()),
    }
}

fn builder() -> foundation::config::ConfigBuilder {
    Config::builder()
        .setting(Setting::new("http.port", 8080).validate(port_in_range))
        .setting(Setting::new("http.host", "127.0.0.1"))
        .setting(Setting::new("http.timeout", Duration::from_secs(5)).updatable())
        .setting(Setting::new("log.level", "info").updatable())
        .setting(Setting::new("log.sample", 0.5).updatable())
        .setting(Setting::new("features", vec!["a"]))
        .setting(Setting::new("cache.enabled", false).updatable())
}

#[test]
fn layers_apply_in_order_defaults_file_environment() {
    let config = builder()
        .toml("[http]\nport = 9090\nhost = \"0.0.0.0\"\n\n[log]\nsample = 1\n")
        .toml("features = [\"x\", \"y\"]")
        .env([
            ("FOUNDATION_HTTP__PORT", "7070"),
            ("FOUNDATION_HTTP__TIMEOUT", "250ms"),
            ("FOUNDATION_CACHE__ENABLED", "yes"),
            ("HOME", "/root"), // not ours: left alone
        ])
        .build()
        .unwrap();
    assert_eq!(config.get::<u16>("http.port").unwrap(), 7070); // env over file
    assert_eq!(config.get::<String>("http.host").unwrap(), "0.0.0.0"); // file
    assert_eq!(
        config.get::<Duration>("http.timeout").unwrap(),
        Duration::from_millis(250)
    );
    assert!(config.get::<bool>("cache.enabled").unwrap());
    assert_eq!(config.get::<f64>("log.sample").unwrap(), 1.0); // an integer as a float
    assert_eq!(config.get::<Vec<String>>("features").unwrap(), ["x", "y"]);
    assert_eq!(config.get::<String>("log.level").unwrap(), "info"); // default
}

#[test]
fn a_file_is_read_and_its_problems_are_named() {
    let dir = std::env::temp_dir().join(format!("foundation-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.toml");
    std::fs::write(&good, "[log]\nlevel = \"warn\"\n").unwrap();
    let config = builder().file(&good).build().unwrap();
    assert_eq!(config.get::<String>("log.level").unwrap(), "warn");

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[log\nlevel = ").unwrap();
    let error = builder().file(&bad).build().unwrap_err();
    assert!(
        matches!(&error, ConfigError::Syntax { source_name, .. } if source_name.ends_with("bad.toml")),
        "{error}"
    );
    let missing = builder()
        .file(dir.join("missing.toml"))
        .build()
        .unwrap_err();
    assert!(
        matches!(missing, ConfigError::Unreadable { .. }),
        "{missing}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_paths_are_errors_wherever_they_come_from() {
    let from_file = builder().toml("[http]\nprot = 1").build().unwrap_err();
    match &from_file {
        ConfigError::UnknownPath { path, known } => {
            assert_eq!(path, "http.prot");
            assert!(known.contains(&"http.port".to_string()));
        }
        other => panic!("{other}"),
    }
    assert!(
        from_file
            .to_string()
            .contains("the settings are: cache.enabled, features")
    );

    let from_env = builder()
        .env([("FOUNDATION_HTTP__PROT", "1")])
        .build()
        .unwrap_err();
    assert!(
        matches!(&from_env, ConfigError::UnknownPath { path, .. } if path.contains("FOUNDATION_HTTP__PROT")),
        "{from_env}"
    );

    let config = builder().build().unwrap();
    assert!(matches!(
        config.get::<u16>("nope"),
        Err(ConfigError::UnknownPath { .. })
    ));
    assert!(matches!(
        config.update("nope", 1),
        Err(ConfigError::UnknownPath { .. })
    ));
    assert!(matches!(
        config.reset_path("nope"),
        Err(ConfigError::UnknownPath { .. })
    ));
}

#[test]
fn only_updatable_paths_change_and_the_error_names_them() {
    let config = builder().build().unwrap();
    let error = config.update("http.port", 9000).unwrap_err();
    assert_eq!(
        error,
        ConfigError::NotUpdatable {
            path: "http.port".into(),
            updatable: vec![
                "cache.enabled".into(),
                "http.timeout".into(),
                "log.level".into(),
                "log.sample".into()
            ],
        }
    );
    assert_eq!(config.get::<u16>("http.port").unwrap(), 8080);
    config.update("log.level", "debug").unwrap();
    assert_eq!(config.get::<String>("log.level").unwrap(), "debug");
}

#[test]
fn values_of_the_wrong_kind_or_refused_by_validation_change_nothing() {
    // From the file, the environment, an update, a read.
    let file = builder()
        .toml("http.port = \"eighty\"")
        .build()
        .unwrap_err();
    assert!(
        matches!(&file, ConfigError::WrongKind { path, expected: Kind::Integer, .. } if path == "http.port"),
        "{file}"
    );
    let env = builder()
        .env([("FOUNDATION_HTTP__TIMEOUT", "soon")])
        .build()
        .unwrap_err();
    assert!(env.to_string().contains("is not a duration"), "{env}");
    let invalid = builder().toml("http.port = 0").build().unwrap_err();
    assert_eq!(
        invalid.to_string(),
        "invalid value `0` for setting `http.port`: a port is 1 to 65535"
    );
    let bad_default = Config::builder()
        .setting(Setting::new("port", 0).validate(port_in_range))
        .build()
        .unwrap_err();
    assert!(matches!(bad_default, ConfigError::Invalid { .. }));

    let config = builder().build().unwrap();
    assert!(matches!(
        config.update("log.level", 3),
        Err(ConfigError::WrongKind { .. })
    ));
    assert!(matches!(
        config.update("http.timeout", "fast"),
        Err(ConfigError::WrongKind { .. })
    ));
    assert_eq!(config.get::<String>("log.level").unwrap(), "info");
    assert!(matches!(
        config.get::<u8>("http.port"), // 8080 does not fit
        Err(ConfigError::WrongKind { .. })
    ));
    assert!(matches!(
        config.get::<bool>("log.level"),
        Err(ConfigError::WrongKind { .. })
    ));
}

#[test]
fn bad_declarations_are_refused() {
    for path in ["", "a..b", "A.b", "a-b", "a.__b", "a.b_", "a b"] {
        let error = Config::builder()
            .setting(Setting::new(path, 1))
            .build()
            .unwrap_err();
        assert!(
            matches!(error, ConfigError::BadPath { .. }),
            "{path:?}: {error}"
        );
    }
    let twice = Config::builder()
        .setting(Setting::new("a", 1))
        .setting(Setting::new("a", 2))
        .build()
        .unwrap_err();
    assert!(twice.to_string().contains("declared twice"));
}

#[test]
fn reset_returns_to_the_layered_values_and_tells_subscribers() {
    let config = builder().toml("log.level = \"warn\"").build().unwrap();
    let heard = Arc::new(Mutex::new(Vec::<ConfigChange>::new()));
    let h = Arc::clone(&heard);
    config.subscribe_fn(move |change| h.lock().unwrap().push(change.clone()));
    config.update("log.level", "debug").unwrap();
    config.update("log.level", "debug").unwrap(); // no change: nothing said
    config.update("cache.enabled", true).unwrap();
    config.reset();
    assert_eq!(config.get::<String>("log.level").unwrap(), "warn");
    assert!(!config.get::<bool>("cache.enabled").unwrap());
    let heard = heard.lock().unwrap();
    let summary: Vec<_> = heard
        .iter()
        .map(|c| (c.path.as_str(), c.new.to_string(), c.cause))
        .collect();
    assert_eq!(
        summary,
        [
            ("log.level", "debug".to_string(), ChangeCause::Update),
            ("cache.enabled", "true".to_string(), ChangeCause::Update),
            ("cache.enabled", "false".to_string(), ChangeCause::Reset),
            ("log.level", "warn".to_string(), ChangeCause::Reset),
        ]
    );
    drop(heard);
    config.update("log.level", "error").unwrap();
    config.reset_path("log.level").unwrap();
    assert_eq!(config.get::<String>("log.level").unwrap(), "warn");
}

/// A callback may read and update the configuration it is told about.
#[test]
fn a_callback_may_update_the_configuration() {
    let config = builder().build().unwrap();
    let c = config.clone();
    config.subscribe_fn(move |change| {
        if change.path == "log.level" && change.new == Value::from("trace") {
            c.update("log.sample", 1.0).unwrap();
        }
    });
    config.update("log.level", "trace").unwrap();
    assert_eq!(config.get::<f64>("log.sample").unwrap(), 1.0);
}

enum WatchMsg {
    Change(ConfigChange),
    Crash,
    Stop,
    Seen(ReplyTo<Vec<String>>),
}

impl From<ConfigChange> for WatchMsg {
    fn from(change: ConfigChange) -> Self {
        WatchMsg::Change(change)
    }
}

struct Watcher(mpsc::Sender<String>);

impl Actor for Watcher {
    type Msg = WatchMsg;
    fn handle(&mut self, msg: WatchMsg, ctx: &mut Context<Self>) {
        match msg {
            WatchMsg::Change(change) => {
                // The handler reads the node's configuration too.
                let now: String = ctx.config().get(&change.path).unwrap_or_default();
                let _ = self
                    .0
                    .send(format!("{}={} ({now})", change.path, change.new));
            }
            WatchMsg::Crash => panic!("watcher crashes"),
            WatchMsg::Stop => ctx.stop(),
            WatchMsg::Seen(reply) => {
                let _ = reply.reply(Vec::new());
            }
        }
    }
}

#[test]
fn an_actor_subscriber_gets_changes_until_it_stops_for_good() {
    let node = Node::builder()
        .schedulers(2)
        .config(builder().build().unwrap())
        .start()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let watcher = node.spawn(Watcher(tx)).unwrap();
    node.config().subscribe(watcher.recipient());
    node.config().update("log.level", "debug").unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), "log.level=debug (debug)");

    watcher.send(WatchMsg::Stop).unwrap();
    wait_until("it stops", || !watcher.is_alive());
    // Later updates succeed; the next one drops the subscription.
    node.config().update("log.level", "warn").unwrap();
    assert_eq!(node.config().subscribers(), 0);
    node.config().update("log.level", "error").unwrap();
    assert_eq!(node.config().get::<String>("log.level").unwrap(), "error");
    node.shutdown().unwrap();
}

#[test]
fn a_restarted_subscriber_keeps_its_subscription() {
    let node = Node::builder()
        .schedulers(2)
        .config(builder().build().unwrap())
        .start()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let supervisor = Supervisor::builder()
        .intensity(10, Duration::from_secs(60))
        .child(ChildSpec::new("watcher", move || Watcher(tx.clone())).restart(Restart::Permanent))
        .spawn(&node)
        .unwrap();
    let watcher = supervisor.child::<Watcher>("watcher").unwrap().unwrap();
    node.config().subscribe(watcher.recipient());
    watcher.send(WatchMsg::Crash).unwrap();
    wait_until("it is restarted", || {
        watcher.call(WatchMsg::Seen, T).is_ok() && watcher.pid().incarnation() == 1
    });
    node.config().update("log.level", "debug").unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), "log.level=debug (debug)");
    assert_eq!(node.config().subscribers(), 1);
    node.shutdown().unwrap();
}

/// Two nodes, two configurations: nothing is process-wide.
#[test]
fn each_node_has_its_own_configuration() {
    let a = Node::builder()
        .schedulers(1)
        .config(builder().toml("log.level = \"a\"").build().unwrap())
        .start()
        .unwrap();
    let b = Node::builder()
        .schedulers(1)
        .config(builder().toml("log.level = \"b\"").build().unwrap())
        .start()
        .unwrap();
    a.config().update("log.level", "a2").unwrap();
    assert_eq!(a.config().get::<String>("log.level").unwrap(), "a2");
    assert_eq!(b.config().get::<String>("log.level").unwrap(), "b");
    let plain = node(1);
    assert!(plain.config().paths().is_empty());
}

#[test]
fn config_errors_are_config_errors_of_the_umbrella() {
    let config = builder().build().unwrap();
    let error: Error = config.update("http.port", 1).unwrap_err().into();
    assert_eq!(error.category(), ErrorCategory::Config);
    assert_eq!(error.code().name(), "config.not_updatable");
    assert_eq!(error.detail("path"), Some("http.port"));
    assert!(!error.is_retryable());
    let codes: Vec<u32> = [
        ConfigError::UnknownPath {
            path: "a".into(),
            known: vec![],
        },
        ConfigError::NotUpdatable {
            path: "a".into(),
            updatable: vec![],
        },
        ConfigError::WrongKind {
            path: "a".into(),
            expected: Kind::Bool,
            found: "x".into(),
        },
        ConfigError::Invalid {
            path: "a".into(),
            value: "x".into(),
            reason: "y".into(),
        },
        ConfigError::Unreadable {
            file: "f".into(),
            reason: "r".into(),
        },
        ConfigError::Syntax {
            source_name: "s".into(),
            reason: "r".into(),
        },
        ConfigError::BadPath {
            path: "".into(),
            reason: "r".into(),
        },
    ]
    .into_iter()
    .map(|e| Error::from(e).code().number())
    .collect();
    assert_eq!(codes, [1301, 1302, 1303, 1304, 1305, 1306, 1307]);
}

fn segment() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}(_[a-z0-9]{1,4})?"
}

proptest! {
    /// A valid path round-trips through its environment variable, and a
    /// value set there is read back.
    #[test]
    fn valid_paths_round_trip_through_the_environment(
        segments in prop::collection::vec(segment(), 1..4),
        n in any::<i64>(),
    ) {
        let path = segments.join(".");
        let config = Config::builder()
            .setting(Setting::new(path.clone(), 0))
            .env([(env_var(&path), n.to_string())])
            .build()
            .unwrap();
        prop_assert_eq!(config.get::<i64>(&path).unwrap(), n);
    }

    /// Any string as a path: a declaration is accepted or refused with
    /// `BadPath`, a read answers or says `UnknownPath` — never a panic.
    #[test]
    fn any_path_gets_an_answer_or_a_clear_error(path in ".{0,20}") {
        match Config::builder().setting(Setting::new(path.clone(), 1)).build() {
            Ok(config) => prop_assert_eq!(config.get::<i64>(&path).unwrap(), 1),
            Err(error) => {
                let bad_path = matches!(error, ConfigError::BadPath { .. });
                prop_assert!(bad_path, "{}", error);
            }
        }
        let config = builder().build().unwrap();
        match config.get::<Value>(&path) {
            Ok(_) => prop_assert!(config.paths().contains(&path)),
            Err(error) => {
                let unknown = matches!(error, ConfigError::UnknownPath { .. });
                prop_assert!(unknown, "{}", error);
            }
        }
    }
}

/// Every kind of setting read from the environment: the spellings the
/// parser accepts, and the value each gives.
#[test]
fn environment_values_of_every_kind() {
    let built = |vars: &[(&str, &str)]| {
        Config::builder()
            .setting(Setting::new("flag", true))
            .setting(Setting::new("ratio", 0.5))
            .setting(Setting::new("hosts", Vec::<String>::new()))
            .setting(Setting::new("wait", Duration::from_secs(1)))
            .env(vars.iter().copied())
            .build()
    };
    for (text, expected) in [
        ("off", false),
        ("NO", false),
        ("0", false),
        ("false", false),
        ("on", true),
        ("Yes", true),
    ] {
        let config = built(&[("FOUNDATION_FLAG", text)]).unwrap();
        assert_eq!(config.get::<bool>("flag"), Ok(expected), "{text}");
    }
    let config = built(&[
        ("FOUNDATION_RATIO", " 2.25 "),
        ("FOUNDATION_HOSTS", "a, b,,c "),
        ("FOUNDATION_WAIT", "2m"),
    ])
    .unwrap();
    assert_eq!(config.get::<f64>("ratio"), Ok(2.25));
    assert_eq!(
        config.get::<Vec<String>>("hosts"),
        Ok(vec!["a".to_string(), "b".into(), "c".into()])
    );
    assert_eq!(config.get::<Duration>("wait"), Ok(Duration::from_secs(120)));
    for (text, seconds) in [
        ("1h", 3600.0),
        ("1.5s", 1.5),
        ("250ms", 0.25),
        ("10us", 0.000_01),
        ("7ns", 0.000_000_007),
    ] {
        let config = built(&[("FOUNDATION_WAIT", text)]).unwrap();
        assert_eq!(
            config.get::<Duration>("wait"),
            Ok(Duration::from_secs_f64(seconds)),
            "{text}"
        );
    }
    // The value prints back in the unit that says it exactly.
    assert_eq!(config.value("wait").unwrap().to_string(), "2m");
    let odd = built(&[("FOUNDATION_WAIT", "7ns")]).unwrap();
    assert_eq!(odd.value("wait").unwrap().to_string(), "7ns");
    assert_eq!(
        built(&[("FOUNDATION_RATIO", "3")])
            .unwrap()
            .value("ratio")
            .unwrap()
            .to_string(),
        "3"
    );
}

/// A variable whose text is not of its setting's kind is refused when the
/// configuration is built, naming the variable, the setting and what would
/// have been right; nothing is guessed.
#[test]
fn an_environment_value_of_the_wrong_kind_is_refused() {
    let build = |var: &str, text: &str| {
        Config::builder()
            .setting(Setting::new("flag", true))
            .setting(Setting::new("ratio", 0.5))
            .setting(Setting::new("wait", Duration::from_secs(1)))
            .env([(var, text)])
            .build()
            .unwrap_err()
    };
    let refused = build("FOUNDATION_FLAG", "maybe");
    assert!(matches!(&refused, ConfigError::WrongKind { path, .. } if path == "flag"));
    assert!(
        refused.to_string().contains(
            "FOUNDATION_FLAG gave `maybe` is not a bool (true/false, 1/0, yes/no, on/off)"
        ),
        "{refused}"
    );
    let refused = build("FOUNDATION_RATIO", "half");
    assert!(
        refused.to_string().contains("`half` is not a number"),
        "{refused}"
    );
    for text in ["5 fortnights", "ms", "1e400h"] {
        let refused = build("FOUNDATION_WAIT", text);
        assert!(
            refused
                .to_string()
                .contains("is not a duration (a number and a unit: ns, us, ms, s, m, h)"),
            "{text}: {refused}"
        );
    }
}
