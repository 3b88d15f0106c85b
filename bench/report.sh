# Sourced by bench/run: the markdown table and the targets, from $work/res (see bench/measure.sh).

peers=(dbmate node_pg_migrate postgrator liquibase sqitch)

name_of() {  # name_of TOOL [ROW]
  case $1 in
    strata) echo "strata" ;;
    psql) case ${2:-} in w3) echo "psql -1 -f" ;; version) echo "psql" ;; *) echo "psql session" ;; esac ;;
    psql_count) echo 'psql -c "SELECT count(*) …"' ;;
    floor) echo "floor client" ;;
    dbmate) echo "dbmate 2.36.0" ;;
    node_pg_migrate) echo "node-pg-migrate 9.0.0" ;;
    postgrator) echo "postgrator-cli 9.1.1" ;;
    liquibase) echo "Liquibase 4.28.0" ;;
    sqitch) echo "sqitch $(sqitch --version 2>/dev/null | awk '{ print $NF }' | tr -d v)" ;;
  esac
}

median_of() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$work/res/$1"; }
wall_ms() { col "$1/$2" 2 | median_of | awk '{ printf "%.1f", $1 * 1000 }'; }
ratio() {  # ratio ROW TOOL BASE: median over rounds of TOOL's wall / BASE's wall in the same round
  [[ -f "$work/res/$1/$2" && -f "$work/res/$1/$3" ]] || return 0  # a phase not run (BENCH_PHASES)
  awk 'NR == FNR { b[$1] = $2; next } ($1 in b) && b[$1] > 0 { print $2 / b[$1] }' \
    "$work/res/$1/$3" "$work/res/$1/$2" | median_of | awk '{ printf "%.2f", $1 }'
}

table_row() {  # table_row LABEL ROW TOOL BASE
  local f=$work/res/$2/$3 sends="" ratio_s="" name
  name=$(name_of "$3" "$2")
  if [[ -f "$f.timeout" && ! -s "$f" ]]; then
    printf '| %s | %s | > %s | | | | |\n' "$1" "$name (stopped)" "$((w3_timeout * 1000))"
    return 0
  fi
  [[ -f "$f" ]] || return 0
  [[ " $one_round " != *" $3 "* ]] || ((rounds == 1)) || name+=" (1 round)"
  case $2 in w1-lo | w2-lo) [[ -f "$work/res/sends/${2%-lo}-$3" ]] && sends=$(cat "$work/res/sends/${2%-lo}-$3") ;; esac
  [[ $3 == "$4" ]] || ratio_s="$(ratio "$2" "$3" "$4")x"
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$name" "$(wall_ms "$2" "$3")" "$ratio_s" \
    "$(col "$2/$3" 3 | median_of)" "$(col "$2/$3" 4 | sort -n | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }')" "$sends"
}

section() {  # section LABEL ROW BASE TOOLS...
  local label=$1 row=$2 base=$3 t
  shift 3
  for t in "$base" "$@"; do table_row "$label" "$row" "$t" "$base"; done
}

verdict() {  # verdict TEXT VALUE LIMIT: met when VALUE <= LIMIT
  if [[ -z "$2" ]]; then echo "- not measured: $1"; return; fi
  if awk -v v="$2" -v l="$3" 'BEGIN { exit !(v <= l) }'; then echo "- met: $1: $2 (target <= $3)"
  else echo "- NOT met: $1: $2 (target <= $3)"; fi
}

rss_mb() { [[ -f "$work/res/$1/strata" ]] || return 0; col "$1/strata" 4 | sort -n | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }'; }

ahead_of_peers() {
  local row t s p behind=()
  for row in w1-lo w1-rtt w2-lo w2-rtt w3 noop-lo noop-rtt version; do
    if [[ -s "$work/res/$row/strata" ]]; then s=$(wall_ms "$row" strata)
    elif [[ -f "$work/res/$row/strata.timeout" ]]; then s=1e18
    else continue; fi
    for t in "${peers[@]}"; do
      [[ -f "$work/res/$row/$t" ]] || continue
      p=$(wall_ms "$row" "$t")
      awk -v s="$s" -v p="$p" 'BEGIN { exit !(s < p) }' || behind+=("$row: $(name_of "$t") $p ms vs strata $( [[ $s == 1e18 ]] && echo "> $((w3_timeout * 1000))" || echo "$s") ms")
    done
  done
  if ((${#behind[@]})); then echo "- NOT met: ahead of every peer on every row; behind on:"; printf '  - %s\n' "${behind[@]}"
  else echo "- met: ahead of every peer on every row"; fi
}

print_targets() {
  local big_limit
  big_limit=$(awk -v b="$big_bytes" 'BEGIN { printf "%.1f", b / 1048576 + 32 }')
  echo "Targets:"
  verdict "W1 loopback, strata / psql session" "$(ratio w1-lo strata psql)" 1.0
  verdict "W1 loopback, strata / floor client" "$(ratio w1-lo strata floor)" 1.1
  verdict "W2 loopback, strata / psql session" "$(ratio w2-lo strata psql)" 1.0
  verdict "W2 loopback, strata / floor client" "$(ratio w2-lo strata floor)" 1.1
  verdict "W1 1 ms RTT, strata / psql session" "$(ratio w1-rtt strata psql)" 0.55
  verdict "W2 1 ms RTT, strata / floor client" "$(ratio w2-rtt strata floor)" 1.1
  verdict "W1 client sends per migration, strata" "$(cat "$work/res/sends/w1-strata" 2>/dev/null)" 1.0
  verdict "W2 client sends per migration, strata" "$(cat "$work/res/sends/w2-strata" 2>/dev/null)" 1.0
  verdict "no-op over $tiny applied, loopback, strata / psql count" "$(ratio noop-lo strata psql_count)" 1.5
  verdict "no-op over $tiny applied, 1 ms RTT, strata / psql count" "$(ratio noop-rtt strata psql_count)" 1.5
  verdict "no-op over $many applied, loopback, strata / psql count" "$(ratio many-lo strata psql_count)" 4
  verdict "no-op over $many applied, 1 ms RTT, strata / psql count" "$(ratio many-rtt strata psql_count)" 4
  verdict "--version, strata / psql --version" "$(ratio version strata psql)" 0.3
  verdict "--version peak RSS MB" "$(rss_mb version)" 6
  verdict "W1 peak RSS MB (larger of loopback, 1 ms)" "$(printf '%s\n' "$(rss_mb w1-lo)" "$(rss_mb w1-rtt)" | sort -n | tail -n 1)" 16
  verdict "W2 peak RSS MB (larger of loopback, 1 ms)" "$(printf '%s\n' "$(rss_mb w2-lo)" "$(rss_mb w2-rtt)" | sort -n | tail -n 1)" 16
  if [[ -s "$work/res/w3/strata" ]]; then
    verdict "W3 peak RSS MB (file size + 32 MB)" "$(rss_mb w3)" "$big_limit"
    verdict "W3 strata / psql -1 -f" "$(ratio w3 strata psql)" 1.2
  elif [[ ! -e "$work/res/w3/strata.timeout" ]]; then
    echo "- not measured: W3 strata / psql -1 -f and peak RSS"
  else
    echo "- NOT met: W3 strata / psql -1 -f and peak RSS: strata was stopped after $w3_timeout s (psql -1 -f: $(wall_ms w3 psql) ms)"
  fi
  ahead_of_peers
}

print_report() {
  local others=(strata floor "${peers[@]}")
  echo "bench/run on $(date -u +%Y-%m-%d): PostgreSQL $(psql -qXAt -d postgres -c 'SHOW server_version'), $(nproc) cores, median of $rounds rounds"
  echo
  echo "| workload | tool | wall median (ms) | vs first row (median of round ratios) | CPU (s) | peak RSS (MB) | sends / migration |"
  echo "|---|---|--:|--:|--:|--:|--:|"
  section "W1 $tiny tiny, loopback" w1-lo psql "${others[@]}"
  section "W1 $tiny tiny, 1 ms RTT" w1-rtt psql "${others[@]}"
  section "W2 $medium medium, loopback" w2-lo psql "${others[@]}"
  section "W2 $medium medium, 1 ms RTT" w2-rtt psql "${others[@]}"
  section "W3 $(awk -v b="$big_bytes" 'BEGIN { printf "%.0f", b / 1048576 }') MB file, loopback" w3 psql "${others[@]}"
  section "no-op, $tiny applied, loopback" noop-lo psql_count "${others[@]}"
  section "no-op, $tiny applied, 1 ms RTT" noop-rtt psql_count "${others[@]}"
  section "no-op, $many applied, loopback" many-lo psql_count strata
  section "no-op, $many applied, 1 ms RTT" many-rtt psql_count strata
  section "--version" version psql "${others[@]}"
  echo
  [[ -z "$sqitch_skip" ]] || echo "sqitch: skipped ($sqitch_skip)"
  echo "Sends / migration: client writes to the server's socket per further migration (strace): a run of 200 tiny (40 medium) less a run of 100 (20), over 100 (20)."
  [[ -z "$loopback_only" ]] || echo "Not run through the delay proxy: $(for t in $loopback_only; do name_of "$t"; done | paste -sd, -)."
  echo "W3: peers not listed were not run on it, the others in the first round only ($(for t in "${peers[@]}"; do [[ " $w3_peers " == *" $t "* ]] || name_of "$t"; done | paste -sd, -)); (stopped): still running after ${w3_timeout} s."
  echo
  print_targets
}
