#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, combined broker+controller) run from the
# project's own jars on Maven Central: no Docker needed. For dev and tests.
#
#   scripts/kafka/kafka.sh fetch    gather the broker's jars once (cached, keyed by version)
#   scripts/kafka/kafka.sh start    start a broker, or reuse whatever listens on the port
#   scripts/kafka/kafka.sh stop     stop the broker this script started (pid file in the data dir)
#   scripts/kafka/kafka.sh status   running / not running
#
# Environment:
#   KAFKA_VERSION          Kafka version from Maven Central      (default 4.1.2)
#   KAFKA_PORT             PLAINTEXT listener on 127.0.0.1       (default 9092)
#   KAFKA_CONTROLLER_PORT  CONTROLLER listener on 127.0.0.1      (default 9093)
#   PUPITRE_CACHE          cache root                            (default ~/.cache/pupitre)
#   KAFKA_DATA_DIR         config, logs, pid, data               (default $PUPITRE_CACHE/kafka-data-$KAFKA_PORT)
#   KAFKA_HEAP             JVM heap flags                        (default -Xms256m -Xmx1g)
#   KAFKA_FRESH=1          start: wipe the data dir before formatting (empty broker)
#   KAFKA_START_TIMEOUT    start: seconds to wait for readiness  (default 90)
#   KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS      shortest consumer session accepted (default 6000, Kafka's)
#   KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS  wait before an empty group's first rebalance (default 0)
#   KAFKA_BROKER_SESSION_TIMEOUT_MS         a broker's registration outlives its last heartbeat (default 3000)
#   KAFKA_BROKER_HEARTBEAT_INTERVAL_MS      broker → controller heartbeats (default 1000)
#   KAFKA_PROPS            extra broker properties, space-separated key=value (appended; they win)
#   KAFKA_JVM_FLAGS        JVM flags besides the heap; replaces the default (G1, 20 ms pause goal)
#   JAVA_HOME / JAVA       java to use                           (default java on PATH)
#
# stdout carries one result line (`started 127.0.0.1:9092 pid 123`, `reused 127.0.0.1:9092`,
# `running ...`, `not running ...`, `stopped ...`); progress goes to stderr.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

KAFKA_VERSION="${KAFKA_VERSION:-4.1.2}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
PUPITRE_CACHE="${PUPITRE_CACHE:-${HOME:-/tmp}/.cache/pupitre}"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$PUPITRE_CACHE/kafka-data-$KAFKA_PORT}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx1g}"
# Given, these only apply to a broker this script starts (`start` warns when it reuses one).
BROKER_SETTINGS_GIVEN="${KAFKA_PROPS:-}${KAFKA_JVM_FLAGS:-}"
KAFKA_JVM_FLAGS="${KAFKA_JVM_FLAGS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent}"
KAFKA_PROPS="${KAFKA_PROPS:-}"
KAFKA_FRESH="${KAFKA_FRESH:-0}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
# Group timings (README, Configuration): the same as docker-compose.yml, i.e. production.
KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS="${KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS:-6000}"
KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="${KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS:-0}"
# A broker restarted after a crash is refused (DUPLICATE_BROKER_REGISTRATION) until its previous
# registration's session ends: Kafka's 9 s default made every crash restart 9 s longer.
KAFKA_BROKER_SESSION_TIMEOUT_MS="${KAFKA_BROKER_SESSION_TIMEOUT_MS:-3000}"
KAFKA_BROKER_HEARTBEAT_INTERVAL_MS="${KAFKA_BROKER_HEARTBEAT_INTERVAL_MS:-1000}"
if [[ -n "${JAVA:-}" ]]; then :
elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"
else JAVA=java; fi

HOST=127.0.0.1
KAFKA_HOME="$PUPITRE_CACHE/kafka-$KAFKA_VERSION"
LIBS_DIR="$KAFKA_HOME/libs"
COMPLETE_MARKER="$KAFKA_HOME/.complete"
PROPS_FILE="$KAFKA_DATA_DIR/server.properties"
LOG_FILE="$KAFKA_DATA_DIR/broker.log"
PID_FILE="$KAFKA_DATA_DIR/broker.pid"
LOG_DIRS="$KAFKA_DATA_DIR/kraft"   # Kafka's log.dirs (holds meta.properties and partitions)

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

for var in KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS \
    KAFKA_BROKER_SESSION_TIMEOUT_MS KAFKA_BROKER_HEARTBEAT_INTERVAL_MS; do
  [[ "${!var}" =~ ^[0-9]{1,7}$ ]] || die "$var must be a number of milliseconds, got '${!var}'"
done
(( KAFKA_BROKER_HEARTBEAT_INTERVAL_MS < KAFKA_BROKER_SESSION_TIMEOUT_MS )) \
  || die "KAFKA_BROKER_HEARTBEAT_INTERVAL_MS must be below KAFKA_BROKER_SESSION_TIMEOUT_MS"
# Split on whitespace only (no glob expansion), and checked before anything is started or wiped.
read -r -a EXTRA_PROPS <<<"$KAFKA_PROPS"
read -r -a JVM_FLAGS <<<"$KAFKA_JVM_FLAGS"
for prop in ${EXTRA_PROPS[@]+"${EXTRA_PROPS[@]}"}; do
  [[ "$prop" =~ ^[A-Za-z0-9._-]+=.*$ ]] || die "KAFKA_PROPS: '$prop' is not key=value"
done

# Serialise concurrent invocations on a lock file (no-op without flock). One lock at a time.
LOCK_FD=""
lock() {
  mkdir -p "$(dirname "$1")"
  if command -v flock >/dev/null 2>&1; then
    exec {LOCK_FD}>"$1"
    flock "$LOCK_FD"
  fi
}
unlock() {
  if [[ -n "$LOCK_FD" ]]; then
    exec {LOCK_FD}>&-
    LOCK_FD=""
  fi
}

port_open() { # port_open PORT -> 0 when something accepts TCP on 127.0.0.1:PORT
  if command -v timeout >/dev/null 2>&1; then
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
  fi
}

# Prints the pid from the pid file when it names a live Kafka JVM (java running kafka.Kafka).
our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid comm
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  comm="$(cat "/proc/$pid/comm" 2>/dev/null || ps -o comm= -p "$pid" 2>/dev/null || true)"
  [[ "$comm" == java* ]] || return 1
  # Also require its command line to be a Kafka broker (guards against pid reuse).
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
  fi
  echo "$pid"
}

cmd_fetch() {
  if [[ -f "$COMPLETE_MARKER" && -d "$LIBS_DIR" ]]; then
    return 0
  fi
  lock "$PUPITRE_CACHE/.kafka-$KAFKA_VERSION.lock"
  if [[ -f "$COMPLETE_MARKER" && -d "$LIBS_DIR" ]]; then
    unlock
    return 0   # another process fetched while we waited
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: needed once to fetch Kafka $KAFKA_VERSION from Maven Central"
  mkdir -p "$KAFKA_HOME"
  rm -rf "$KAFKA_HOME"/libs.tmp.*   # left by an interrupted fetch (we hold the lock)
  local tmp
  tmp="$(mktemp -d "$KAFKA_HOME/libs.tmp.XXXXXX")"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR ..."
  if ! mvn -B -q -Dstyle.color=never -f "$SCRIPT_DIR/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$tmp" \
      >"$tmp.mvn.log" 2>&1; then
    cat "$tmp.mvn.log" >&2
    rm -rf "$tmp" "$tmp.mvn.log"
    die "fetching Kafka $KAFKA_VERSION failed"
  fi
  rm -f "$tmp.mvn.log"
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no kafka_2.13 jar fetched"; }
  rm -rf "$LIBS_DIR"          # leftovers of an earlier, incomplete fetch
  mv "$tmp" "$LIBS_DIR"
  touch "$COMPLETE_MARKER"
  unlock
  log "fetched $(ls "$LIBS_DIR" | wc -l) jars ($(du -sh "$LIBS_DIR" | cut -f1))"
}

new_cluster_id() { # 16 random bytes as 22-char base64url, like Kafka's Uuid (never starting with '-')
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ ${#id} -eq 22 && "$id" != -* ]] && { echo "$id"; return; }
  done
}

write_props() {
  cat >"$PROPS_FILE" <<EOF
# Generated by scripts/kafka/kafka.sh; rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$LOG_DIRS
num.partitions=3
auto.create.topics.enable=true
# Fast start for dev and tests (single node); group timings as in production.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=$KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS
group.min.session.timeout.ms=$KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS
broker.session.timeout.ms=$KAFKA_BROKER_SESSION_TIMEOUT_MS
broker.heartbeat.interval.ms=$KAFKA_BROKER_HEARTBEAT_INTERVAL_MS
EOF
  local prop
  for prop in ${EXTRA_PROPS[@]+"${EXTRA_PROPS[@]}"}; do
    printf '%s\n' "$prop" >>"$PROPS_FILE"
  done
}

wipe_data_dir() {
  local d="$KAFKA_DATA_DIR"
  [[ -n "$d" && "$d" != "/" && "$d" != "${HOME:-/}" && "$d" != "$PUPITRE_CACHE" ]] \
    || die "refusing to wipe KAFKA_DATA_DIR=$d"
  [[ -d "$d" ]] || return 0
  # Only wipe something that looks like one of our data dirs (or is empty).
  if [[ -n "$(ls -A "$d")" && ! -e "$d/server.properties" && ! -e "$d/kraft" && ! -e "$d/broker.log" ]]; then
    die "refusing to wipe $d: it does not look like a kafka.sh data dir"
  fi
  log "KAFKA_FRESH=1: wiping $d"
  rm -rf "$d"
}

cmd_start() {
  if port_open "$KAFKA_PORT"; then
    [[ "$KAFKA_FRESH" == 1 ]] && log "warning: KAFKA_FRESH=1 ignored, a broker already listens on $HOST:$KAFKA_PORT"
    [[ -n "$BROKER_SETTINGS_GIVEN" ]] \
      && log "warning: KAFKA_PROPS and KAFKA_JVM_FLAGS ignored, a broker already listens on $HOST:$KAFKA_PORT"
    echo "reused $HOST:$KAFKA_PORT"
    return 0
  fi
  cmd_fetch
  mkdir -p "$KAFKA_DATA_DIR"
  lock "$KAFKA_DATA_DIR.lock"   # held until exit; closed in the broker's fds
  if port_open "$KAFKA_PORT"; then   # started by a concurrent `start` while we waited
    echo "reused $HOST:$KAFKA_PORT"
    return 0
  fi
  local pid
  if pid="$(our_pid)"; then
    log "broker pid $pid from $PID_FILE is alive but $HOST:$KAFKA_PORT is closed; stopping it first"
    cmd_stop >&2
  fi
  if port_open "$KAFKA_CONTROLLER_PORT"; then
    die "controller port $HOST:$KAFKA_CONTROLLER_PORT is taken by another process (set KAFKA_CONTROLLER_PORT)"
  fi
  if [[ "$KAFKA_FRESH" == 1 ]]; then
    wipe_data_dir
  fi
  mkdir -p "$KAFKA_DATA_DIR" "$LOG_DIRS"
  rm -f "$PID_FILE"

  local cluster_id=""
  if [[ -f "$LOG_DIRS/meta.properties" ]]; then
    cluster_id="$(sed -n 's/^cluster\.id=//p' "$LOG_DIRS/meta.properties" | tr -d '[:space:]')"
  fi
  [[ -n "$cluster_id" ]] || cluster_id="$(new_cluster_id)"

  write_props
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"

  local cp="$LIBS_DIR/*"
  local -a jvm=($KAFKA_HEAP ${JVM_FLAGS[@]+"${JVM_FLAGS[@]}"} -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$SCRIPT_DIR/log4j2.properties")

  # Format once: a restart (after a crash too) skips a JVM start of several seconds.
  if [[ ! -f "$LOG_DIRS/meta.properties" ]] && ! "$JAVA" "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$PROPS_FILE" --ignore-formatted >"$KAFKA_DATA_DIR/format.log" 2>&1; then
    cat "$KAFKA_DATA_DIR/format.log" >&2
    die "formatting $LOG_DIRS failed"
  fi

  local t0=$SECONDS
  # The subshell drops our lock fd, then execs [setsid] nohup, which exec java: $! is the JVM's
  # pid. setsid puts the broker in its own session, so a Ctrl-C aimed at the caller (npm, jest)
  # does not reach it; a background subshell is no group leader, so setsid does not fork.
  local -a detach=(nohup)
  command -v setsid >/dev/null 2>&1 && detach=(setsid nohup)
  (
    if [[ -n "$LOCK_FD" ]]; then exec {LOCK_FD}>&-; fi
    exec "${detach[@]}" "$JAVA" "${jvm[@]}" -cp "$cp" kafka.Kafka "$PROPS_FILE" </dev/null >"$LOG_FILE" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "starting Kafka $KAFKA_VERSION (pid $pid, cluster $cluster_id, log $LOG_FILE)"

  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      log "broker exited during startup; last log lines:"
      tail -n 40 "$LOG_FILE" >&2 || true
      exit 1
    fi
    if grep -qE 'Kafka Server started|Transitioning from RECOVERY to RUNNING' "$LOG_FILE" 2>/dev/null \
        && port_open "$KAFKA_PORT"; then
      break
    fi
    if (( SECONDS - t0 >= KAFKA_START_TIMEOUT )); then
      log "broker not ready after ${KAFKA_START_TIMEOUT}s; last log lines:"
      tail -n 40 "$LOG_FILE" >&2 || true
      cmd_stop >&2 || true
      exit 1
    fi
    sleep 0.25
  done
  echo "started $HOST:$KAFKA_PORT pid $pid"
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    if port_open "$KAFKA_PORT"; then
      echo "not stopped: $HOST:$KAFKA_PORT is served by a broker kafka.sh did not start (no live pid in $PID_FILE)"
    else
      echo "not running ($HOST:$KAFKA_PORT, data $KAFKA_DATA_DIR)"
    fi
    return 0
  fi
  log "stopping broker pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 120; i++)); do   # 30 s
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still alive after 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$PID_FILE"
  echo "stopped $HOST:$KAFKA_PORT pid $pid"
}

cmd_status() {
  local pid
  if pid="$(our_pid)"; then
    if port_open "$KAFKA_PORT"; then
      echo "running $HOST:$KAFKA_PORT pid $pid"
    else
      echo "running pid $pid (starting; $HOST:$KAFKA_PORT not open yet)"
    fi
  elif port_open "$KAFKA_PORT"; then
    echo "running $HOST:$KAFKA_PORT (not started by kafka.sh)"
  else
    echo "not running $HOST:$KAFKA_PORT"
    return 3
  fi
}

case "${1:-}" in
  fetch) cmd_fetch; echo "$LIBS_DIR" ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 {fetch|start|stop|status}" >&2; exit 2 ;;
esac
