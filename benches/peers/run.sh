#!/usr/bin/env bash
# Foundation against Erlang/OTP, actix, kameo, ractor, thread-per-actor and
# raw crossbeam-channel: builds everything in release mode, runs every
# workload of ../shared/BENCHMARKS.md (one warm-up, then RUNS timed runs,
# each system in a fresh process), and writes docs/benchmarks.md with one
# SVG chart per workload in docs/benchmarks/.
#
#   benches/peers/run.sh           # full sizes, about 10 minutes
#   benches/peers/run.sh --quick   # sizes / 10, a smoke run under 5 minutes
#
# Installs Debian's erlang-nox if `erl` is missing.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)

MODE=full
if [ "${1:-}" = "--quick" ]; then
    MODE=quick
fi
RUNS=${RUNS:-5}
QUICK_FLAG=()
ERL_QUICK=()
if [ "$MODE" = quick ]; then
    QUICK_FLAG=(--quick)
    ERL_QUICK=(quick)
fi

if ! command -v erl > /dev/null; then
    echo "==> installing erlang-nox"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq erlang-nox > /dev/null
fi

echo "==> building"
cargo build --release --quiet
mkdir -p target/erl
erlc -o target/erl peers.erl

BIN=target/release/foundation-peers
RESULTS=target/results.tsv
: > "$RESULTS"
meta() { printf 'meta\t%s\t%s\n' "$1" "$2" >> "$RESULTS"; }
# The version of a crate in Cargo.lock.
locked() { awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock; }

meta mode "$MODE"
meta runs "$RUNS"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta machine "$(uname -srm), $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB"
meta cpu "$(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }')"
meta rustc "$(rustc --version)"
meta erlang "OTP $(erl -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().'), erts $(erl -noshell -eval 'io:format("~s", [erlang:system_info(version)]), halt().')"
for crate in foundation actix kameo ractor tokio crossbeam-channel; do
    meta "$crate" "$(locked "$crate")"
done

SYSTEMS=(foundation-1 foundation-2 actix kameo ractor threads crossbeam)
for workload in spawn pingpong stream fanin ring forkjoin broadcast broadcast-cloned ecosystem-10 ecosystem-100 ecosystem-1000 ask ask-async; do
    for system in "${SYSTEMS[@]}"; do
        echo "==> $workload: $system"
        printf '%s\t%s\t%s\n' "$system" "$workload" \
            "$("$BIN" bench "$system" "$workload" "$RUNS" "${QUICK_FLAG[@]}")" >> "$RESULTS"
    done
    echo "==> $workload: erlang"
    printf 'erlang\t%s\t%s\n' "$workload" \
        "$(erl -noshell +S 2:2 -pa target/erl -run peers main "$workload" "$RUNS" "${ERL_QUICK[@]}" -s init stop)" >> "$RESULTS"
done

echo "==> memory per idle actor"
for system in "${SYSTEMS[@]}"; do
    printf '%s\tmemory\t%s\n' "$system" "$("$BIN" memory "$system")" >> "$RESULTS"
done
printf 'erlang\tmemory\t%s\n' "$(erl -noshell +S 2:2 -pa target/erl -run peers memory -s init stop)" >> "$RESULTS"

echo "==> memory of a broadcast"
for system in "${SYSTEMS[@]}"; do
    printf '%s\tbroadcast-memory\t%s\n' "$system" "$("$BIN" broadcast-memory "$system" "${QUICK_FLAG[@]}")" >> "$RESULTS"
done
printf 'erlang\tbroadcast-memory\t%s\n' "$(erl -noshell +S 2:2 -pa target/erl -run peers broadcast_memory "${ERL_QUICK[@]}" -s init stop)" >> "$RESULTS"

if [ -f notes.md ]; then
    meta notes "$(awk '{ printf "%s\\n", $0 }' notes.md)"
fi

"$BIN" report "$RESULTS" "$ROOT/docs/benchmarks.md" "$ROOT/docs/benchmarks"
echo "==> wrote docs/benchmarks.md and docs/benchmarks/*.svg"
