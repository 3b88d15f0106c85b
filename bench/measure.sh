# Sourced by bench/run: timed runs and the rounds. Results go to $work/res/ROW/TOOL, one line per
# round: "ROUND WALL_S CPU_S PEAK_RSS_KB"; client sends per migration to $work/res/sends/ROW/TOOL.

measure() {  # measure OUT ROUND CMD...: wall from bash's clock (time(1) rounds to 10 ms)
  local out=$1 round=$2 t0 t1 status=0
  shift 2
  mkdir -p "$(dirname "$out")"
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%U %S %M' -o "$work/time.out" "$@" >"$work/stdout" 2>"$work/stderr" || status=$?
  t1=$EPOCHREALTIME
  # timeout(1) ends a run that takes too long with 124 (137 when it had to kill); the caller
  # records that instead.
  if [[ $1 == timeout ]] && ((status == 124 || status == 137)); then return 124; fi
  if ((status)); then echo "bench: $* failed:" >&2; tail -n 30 "$work/stdout" "$work/stderr" >&2; exit 1; fi
  awk -v r="$round" -v t0="$t0" -v t1="$t1" '{ printf "%d %.4f %.3f %d\n", r, t1 - t0, $1 + $2, $3 }' "$work/time.out" >>"$out"
}

fresh_db() {
  psql -qX -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
}

check_applied() {  # check_applied TOOL DB WORKLOAD EXPECTED: fails loudly if a tool applied less
  local got
  if [[ $3 == w3 ]]; then
    got=$(psql -qXAt -d "$2" -c "SELECT count(*) FROM big")
  else
    got=$(psql -qXAt -d "$2" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^(tiny|medium)_[0-9]+\$'")
  fi
  if [[ "$got" != "$4" ]]; then
    echo "bench: $1 applied $got of $4 on $3 ($2)" >&2
    tail -n 30 "$work/stdout" "$work/stderr" >&2
    exit 1
  fi
}

# A no-op meets a database long at rest. Measured straight after a run that created 1000 (or
# 10,000) tables, or after the 50 MB file, autovacuum's work on the catalogues and the checkpoint
# land in whichever run they overlap, and far more often in strata's (which reads its files for
# tens of milliseconds) than in psql's one query. Before each no-op: a CHECKPOINT, then up to
# 30 s for every autovacuum worker to finish; the same for every tool measured.
settle() {
  local i
  psql -qX -d postgres -c "CHECKPOINT" >/dev/null
  for ((i = 0; i < 300; i++)); do
    [[ $(psql -qXAt -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'") == 0 ]] && return
    sleep 0.1
  done
}

rotate() {  # rotate K: sets ORDER to the tools, starting at the K-th (mod their number)
  local k=$(($1 % ${#tools[@]}))
  ORDER=("${tools[@]:k}" "${tools[@]:0:k}")
}

count_cmd() { CMD=("$psql_bin" -qX -h "$2" -p "$3" -d "$1" -c "SELECT count(*) FROM flyway_schema_history"); }

net_port() { if [[ $1 == lo ]]; then echo "$PGPORT"; else echo "$proxy_port"; fi; }

apply_round() {  # apply_round WORKLOAD ROUND EXPECTED [noop]
  local w=$1 round=$2 n=$3 noop=${4:-} net port t db k=0
  for net in lo rtt; do
    port=$(net_port "$net")
    rotate $((round + k++))
    for t in "${ORDER[@]}"; do
      ((round == 1)) || [[ " $one_round " != *" $t "* ]] || continue
      [[ $net == lo || " $loopback_only " != *" $t "* ]] || continue
      db=bench_$t
      fresh_db "$db"
      "setup_$t" "$db"
      "cmd_$t" "$db" 127.0.0.1 "$port" "$work/$t/$w"
      measure "$work/res/$w-$net/$t" "$round" "${CMD[@]}"
      check_applied "$t" "$db" "$w" "$n"
      [[ -n "$noop" && $t != psql && $t != floor ]] || continue
      settle
      measure "$work/res/noop-$net/$t" "$round" "${CMD[@]}"
      if [[ $t == strata ]]; then
        count_cmd "$db" 127.0.0.1 "$port"
        measure "$work/res/noop-$net/psql_count" "$round" "${CMD[@]}"
      fi
    done
  done
}

big_round() {  # big_round ROUND: the large file on loopback; psql runs it as `psql -1 -f`
  local round=$1 t db rows
  rows=$(grep -c '^INSERT' "$work/src/w3"/*.sql)
  rotate "$round"
  for t in "${ORDER[@]}"; do
    [[ $t == floor ]] && continue
    [[ $t == strata || $t == psql || " $w3_peers " == *" $t "* ]] || continue
    ((round == 1)) || [[ $t == strata || $t == psql ]] || continue  # peers: first round only
    db=bench_$t
    fresh_db "$db"
    if [[ $t == psql ]]; then
      CMD=("$psql_bin" -qX -v ON_ERROR_STOP=1 -1 -h 127.0.0.1 -p "$PGPORT" -d "$db" -f "$(ls "$work/src/w3"/*.sql)")
    else
      "setup_$t" "$db"
      "cmd_$t" "$db" 127.0.0.1 "$PGPORT" "$work/$t/w3"
    fi
    # A tool that ran out of time once is not run again: it would only take the same time.
    [[ -f "$work/res/w3/$t.timeout" ]] && continue
    if measure "$work/res/w3/$t" "$round" timeout -k 5 "$w3_timeout" "${CMD[@]}"; then
      check_applied "$t" "$db" w3 "$rows"
    else
      echo "bench: $t took over $w3_timeout s on the large file" >&2
      touch "$work/res/w3/$t.timeout"
    fi
  done
}

many_noop_round() {  # many_noop_round ROUND: strata's no-op over $many applied vs one psql count
  local round=$1 net port
  if [[ $round == 1 ]]; then
    fresh_db bench_many
    "$strata" migrate --url "postgresql://postgres@127.0.0.1:$PGPORT/bench_many" --locations "$work/src/many" --quiet
    # A database with 10,000 applied migrations has long been vacuumed: measured right after the
    # 10,000 CREATE TABLEs, autovacuum's work on the catalogues would land in whichever run it
    # overlaps (strata's, which reads files for 0.1 s, far more often than psql's).
    psql -qX -d bench_many -c "VACUUM ANALYZE" >/dev/null
  fi
  for net in lo rtt; do
    port=$(net_port "$net")
    settle
    # The VM's proactive reclaim (DAMON) drops page cache left cold during the 50 MB phase, so
    # the first run would read 10,000 files from disk; a run right after a checkout would not.
    find "$work/src/many" -name '*.sql' -exec cat {} + >/dev/null
    if ((round % 2)); then count_cmd bench_many 127.0.0.1 "$port"; measure "$work/res/many-$net/psql_count" "$round" "${CMD[@]}"; fi
    cmd_strata bench_many 127.0.0.1 "$port" "$work/src/many"
    measure "$work/res/many-$net/strata" "$round" "${CMD[@]}"
    if ((round % 2 == 0)); then count_cmd bench_many 127.0.0.1 "$port"; measure "$work/res/many-$net/psql_count" "$round" "${CMD[@]}"; fi
  done
}

# Start-up: hyperfine's mean wall (time(1) would add its own fork and exec), time(1)'s RSS.
version_rows() {
  local t runs
  mkdir -p "$work/res/version"
  for t in "${tools[@]}"; do
    [[ $t == floor ]] && continue
    "version_$t"
    runs=$versions
    [[ $t == strata || $t == psql ]] || runs=5
    hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/hf.json" "${CMD[*]}" >/dev/null 2>&1
    measure "$work/rss.tmp" 1 "${CMD[@]}"
    awk -v mean="$(grep -m1 '"mean"' "$work/hf.json" | sed 's/.*: *//; s/,.*//')" '{ printf "1 %s %s %s\n", mean, $3, $4 }' \
      "$work/rss.tmp" >"$work/res/version/$t"
    rm -f "$work/rss.tmp"
  done
}

sends() {  # sends CMD...: how many times CMD and its children wrote to the server's socket
  strace -f -qq -yy -e trace=sendto,sendmsg,write,writev -o "$work/strace" "$@" >/dev/null 2>&1
  grep -cE "^[0-9]+ +(sendto|sendmsg|write|writev)\([0-9]+<TCP[v6]*:\[[^>]*->[^>]*:$PGPORT\]>" "$work/strace" || true
}

# Client sends per migration: what one more migration costs. Each tool applies N migrations on a
# fresh database and 2N of the same kinds on another; the difference over N leaves out what a
# run does once (connecting, reading the history, taking a lock, preparing statements), whatever
# the tool. Loopback, untimed, on the sends-w1/sends-w2 workloads and their doubles (strace slows
# the peers too much for the full workloads).
sends_rows() {
  local w n t db once twice
  mkdir -p "$work/res/sends"
  for w in w1 w2; do
    n=$(migrations_of "$work/src/sends-$w" | wc -l)
    for t in "${tools[@]}"; do
      db=bench_$t
      fresh_db "$db"
      "setup_$t" "$db"
      "cmd_$t" "$db" 127.0.0.1 "$PGPORT" "$work/$t/sends-$w"
      once=$(sends "${CMD[@]}")
      fresh_db "$db"
      "setup_$t" "$db"
      "cmd_$t" "$db" 127.0.0.1 "$PGPORT" "$work/$t/sends-${w}x2"
      twice=$(sends "${CMD[@]}")
      awk -v a="$once" -v b="$twice" -v n="$n" 'BEGIN { printf "%.2f\n", (b - a) / n }' >"$work/res/sends/$w-$t"
    done
  done
}

gen_big() {  # gen_big DIR MB: one migration of about MB megabytes of single-line INSERTs
  mkdir -p "$1"
  awk -v bytes=$(($2 * 1024 * 1024)) 'BEGIN {
    print "CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL);"
    pad = sprintf("%0100d", 0); gsub(/0/, "x", pad)
    for (i = 1; size < bytes; i++) { line = sprintf("INSERT INTO big VALUES (%d, %c%s %d%c);", i, 39, pad, i, 39); print line; size += length(line) + 1 }
  }' >"$1/V1__big.sql"
}
