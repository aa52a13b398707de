//! A web service in front of actors: an axum server on a tokio runtime
//! whose route handlers call actors with the generated `_async` methods,
//! and an actor that fetches from an upstream HTTP service with
//! `ctx.pipe` — the fetch runs on tokio, its answer comes back to the actor
//! as one of its messages, and the actor keeps serving meanwhile.
//!
//! The example is its own client: it binds 127.0.0.1 on a free port, sends
//! itself a few requests (the "upstream" is a route of the same server),
//! checks the answers and shuts down.
//!
//! Run it with `cargo run --release --example web --features tokio`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use foundation::Spawner;
use foundation::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---- actors ----------------------------------------------------------------

/// Counts the hits of each page.
#[actor]
#[derive(Default)]
struct Hits {
    pages: HashMap<String, u64>,
}

#[handlers]
impl Hits {
    /// Counts a hit; the page's hits so far.
    pub fn hit(&mut self, page: String) -> u64 {
        let hits = self.pages.entry(page).or_default();
        *hits += 1;
        *hits
    }
}

/// What a forecast request gets: the forecast, or why there is none.
type Forecast = Result<String, String>;

/// Forecasts from an upstream HTTP service, cached. A city not in the
/// cache is fetched with `ctx.pipe`; callers asking for a city already on
/// its way wait for the same fetch.
#[actor]
struct Forecasts {
    upstream: SocketAddr,
    /// Where the fetches run: the tokio runtime serving the requests.
    io: Spawner,
    cache: HashMap<String, String>,
    waiting: HashMap<String, Vec<ReplyTo<Forecast>>>,
    fetches: u64,
}

#[handlers]
impl Forecasts {
    /// The forecast for `city`, answered when it is known.
    pub fn forecast(&mut self, city: String, reply: ReplyTo<Forecast>, ctx: &mut Context<Self>) {
        if let Some(forecast) = self.cache.get(&city) {
            let _ = reply.reply(Ok(forecast.clone()));
            return;
        }
        let waiters = self.waiting.entry(city.clone()).or_default();
        waiters.push(reply);
        if waiters.len() > 1 {
            return; // a fetch is on its way
        }
        self.fetches += 1;
        let fetch = http_get(self.upstream, format!("/upstream/{city}"));
        ctx.pipe(&self.io, fetch)
            .timeout(Duration::from_secs(5))
            .then(move |me, _ctx, outcome| {
                let answer = match outcome {
                    Ok(Ok((200, body))) => Ok(body),
                    Ok(Ok((status, _))) => Err(format!("upstream answered {status}")),
                    Ok(Err(io)) => Err(format!("upstream unreachable: {io}")),
                    Err(pipe) => Err(pipe.to_string()),
                };
                if let Ok(forecast) = &answer {
                    me.cache.insert(city.clone(), forecast.clone());
                }
                for reply in me.waiting.remove(&city).unwrap_or_default() {
                    let _ = reply.reply(answer.clone());
                }
            });
    }

    /// How many times upstream was asked.
    pub fn fetches(&self) -> u64 {
        self.fetches
    }
}

// ---- the server ------------------------------------------------------------

#[derive(Clone)]
struct App {
    hits: ActorRef<Hits>,
    forecasts: ActorRef<Forecasts>,
}

async fn hit(State(app): State<App>, Path(page): Path<String>) -> (StatusCode, String) {
    match app.hits.hit_async(page).await {
        Ok(hits) => (StatusCode::OK, hits.to_string()),
        Err(call) => (StatusCode::SERVICE_UNAVAILABLE, call.to_string()),
    }
}

async fn forecast(State(app): State<App>, Path(city): Path<String>) -> (StatusCode, String) {
    match app.forecasts.forecast_async(city).await {
        Ok(Ok(forecast)) => (StatusCode::OK, forecast),
        Ok(Err(upstream)) => (StatusCode::BAD_GATEWAY, upstream),
        Err(call) => (StatusCode::SERVICE_UNAVAILABLE, call.to_string()),
    }
}

/// The "upstream" weather service, a route of the same server.
async fn upstream(Path(city): Path<String>) -> (StatusCode, String) {
    tokio::time::sleep(Duration::from_millis(20)).await;
    match city.as_str() {
        "nowhere" => (StatusCode::NOT_FOUND, "no such city".to_string()),
        _ => (StatusCode::OK, format!("sunny in {city}")),
    }
}

/// A minimal HTTP/1.1 GET over a fresh connection: the status and the
/// body. (A real program would use an HTTP client crate here; the example
/// keeps its dependencies to axum and tokio.)
async fn http_get(addr: SocketAddr, path: String) -> std::io::Result<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP response");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    let body = response.split_once("\r\n\r\n").ok_or_else(bad)?.1;
    Ok((status, body.to_string()))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A node needs nothing from tokio, and starting it does not block.
    let node = Node::builder().name("web").schedulers(2).start()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;

    let app = App {
        hits: node.spawn(Hits::default())?,
        forecasts: node.spawn(Forecasts {
            upstream: addr,
            io: Spawner::from(tokio::runtime::Handle::current()),
            cache: HashMap::new(),
            waiting: HashMap::new(),
            fetches: 0,
        })?,
    };
    let router = Router::new()
        .route("/hits/{page}", get(hit))
        .route("/forecast/{city}", get(forecast))
        .route("/upstream/{city}", get(upstream))
        .with_state(app.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future(),
    );
    println!("serving on http://{addr}");

    // Counting: three hits on one page, one on another.
    for expected in ["1", "2", "3"] {
        let (status, body) = http_get(addr, "/hits/home".into()).await?;
        println!("GET /hits/home        -> {status} {body}");
        assert_eq!((status, body.as_str()), (200, expected));
    }
    assert_eq!(
        http_get(addr, "/hits/about".into()).await?,
        (200, "1".into())
    );

    // Two requests for one city at once: one upstream fetch serves both.
    let (first, second) = tokio::join!(
        http_get(addr, "/forecast/paris".into()),
        http_get(addr, "/forecast/paris".into()),
    );
    for (status, body) in [first?, second?] {
        println!("GET /forecast/paris   -> {status} {body}");
        assert_eq!((status, body.as_str()), (200, "sunny in paris"));
    }
    // The third is served from the cache.
    assert_eq!(
        http_get(addr, "/forecast/paris".into()).await?,
        (200, "sunny in paris".into())
    );
    assert_eq!(app.forecasts.fetches_async().await?, 1);

    // An upstream failure is a 502 with its reason, not a hang.
    let (status, body) = http_get(addr, "/forecast/nowhere".into()).await?;
    println!("GET /forecast/nowhere -> {status} {body}");
    assert_eq!((status, body.as_str()), (502, "upstream answered 404"));

    let fetches = app.forecasts.fetches_async().await?;
    assert_eq!(fetches, 2);

    let _ = stop.send(());
    server.await??;
    // Shutting the node down joins its threads: on tokio's blocking pool.
    foundation::tokio::shutdown(&node).await?;
    println!("done: {fetches} upstream fetches for 4 forecast requests");
    Ok(())
}
