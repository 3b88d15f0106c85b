# Sourced by bench/run: the tools under comparison. For each TOOL:
#   prep_TOOL SRC OUT        writes the Flyway-style migrations of SRC in the tool's own format to OUT
#   setup_TOOL DB            untimed set-up on a fresh database (most have none)
#   cmd_TOOL DB HOST PORT OUT  sets CMD to the command that applies everything in OUT to DB
#   version_TOOL             sets CMD to the tool's --version command
# Peers are installed by install_peers into bench/.peers (git-ignored), at pinned versions.

peer_npm_packages=(dbmate@2.36.0 node-pg-migrate@9.0.0 postgrator-cli@9.1.1 pg@8.23.1 liquibase@4.28.1)
peers_dir=$(pwd)/bench/.peers
npm_bin=$peers_dir/node_modules/.bin
liquibase_bin=$peers_dir/node_modules/liquibase/dist/liquibase/liquibase
sqitch_skip=""

install_peers() {
  local stamp=$peers_dir/installed
  mkdir -p "$peers_dir"
  if [[ "$(cat "$stamp" 2>/dev/null)" != "${peer_npm_packages[*]}" ]]; then
    echo '{ "private": true }' >"$peers_dir/package.json"
    (cd "$peers_dir" && npm install --no-audit --no-fund --save-exact --loglevel=error "${peer_npm_packages[@]}" >/dev/null) ||
      { echo "bench: npm install of the peers failed" >&2; exit 1; }
    echo "${peer_npm_packages[*]}" >"$stamp"
  fi
  if ! command -v sqitch >/dev/null 2>&1 || ! perl -MDBD::Pg -e1 2>/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sqitch libdbd-pg-perl \
      >"$work/sqitch-install.log" 2>&1 || sqitch_skip="apt-get install sqitch libdbd-pg-perl failed"
  fi
}

# Flyway file names in version order: V<version>__<description>.sql
migrations_of() { find "$1" -maxdepth 1 -name 'V*__*.sql' -printf '%f\n' | sort -V; }
desc_of() { local d=${1#*__}; echo "${d%.sql}"; }

history_insert() {  # history_insert FILE: the psql session's and the floor's history row
  local f=$1 v d
  v=${f#V}; v=${v%%__*}
  d=$(desc_of "$f"); d=${d//_/ }
  echo "INSERT INTO \"public\".\"flyway_schema_history\" (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) SELECT coalesce(max(installed_rank), 0) + 1, '$v', '$d', 'SQL', '$f', 0, current_user, 0, true FROM \"public\".\"flyway_schema_history\";"
}

history_ddl='CREATE TABLE "public"."flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL); ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"); CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");'
create_history() { "$psql_bin" -qX -d "$1" -c "$history_ddl" >/dev/null; }

# strata
prep_strata() { mkdir -p "$(dirname "$2")"; ln -sfn "$1" "$2"; }
setup_strata() { :; }
cmd_strata() { CMD=("$strata" migrate --url "postgresql://postgres@$2:$3/$1" --locations "$4" --quiet); }
version_strata() { CMD=("$strata" --version); }

# One psql session doing strata's work: per migration BEGIN, the file, the history INSERT, COMMIT.
prep_psql() {
  local f
  mkdir -p "$2"
  while IFS= read -r f; do
    echo "BEGIN;"; cat "$1/$f"; history_insert "$f"; echo "COMMIT;"
  done < <(migrations_of "$1") >"$2/script.sql"
}
setup_psql() { create_history "$1"; }
cmd_psql() { CMD=("$psql_bin" -qX -v ON_ERROR_STOP=1 -h "$2" -p "$3" -d "$1" -f "$4/script.sql"); }
version_psql() { CMD=("$psql_bin" --version); }

# The floor client: the same text, one message per migration (see bench/floor.c).
prep_floor() {
  local f
  mkdir -p "$2"
  while IFS= read -r f; do
    echo "BEGIN;"; cat "$1/$f"; history_insert "$f"; echo "COMMIT;"; printf '\f\n'
  done < <(migrations_of "$1") >"$2/script.sql"
}
setup_floor() { create_history "$1"; }
cmd_floor() { CMD=("$floor_bin" "host=$2 port=$3 dbname=$1 user=postgres" "$4/script.sql"); }

# Peers get their files numbered 1..N in Flyway's version order, zero-padded so names sort too.
each_numbered() {  # each_numbered SRC: prints "NUMBER FILE" lines
  migrations_of "$1" | awk '{ printf "%05d %s\n", NR, $0 }'
}

prep_dbmate() {
  local n f
  mkdir -p "$2"
  while read -r n f; do
    { echo "-- migrate:up"; cat "$1/$f"; printf '\n-- migrate:down\n'; } >"$2/${n}_$(desc_of "$f").sql"
  done < <(each_numbered "$1")
}
setup_dbmate() { :; }
cmd_dbmate() {
  CMD=("$npm_bin/dbmate" --url "postgres://postgres:$PGPASSWORD@$2:$3/$1?sslmode=disable" --migrations-dir "$4"
    --no-dump-schema migrate)
}
version_dbmate() { CMD=("$npm_bin/dbmate" --version); }

prep_node_pg_migrate() {
  local n f
  mkdir -p "$2"
  while read -r n f; do
    { echo "-- Up Migration"; cat "$1/$f"; printf '\n-- Down Migration\n'; } >"$2/${n}_$(desc_of "$f").sql"
  done < <(each_numbered "$1")
}
setup_node_pg_migrate() { :; }
# Its default puts all migrations in one transaction; one per migration is the work compared here.
cmd_node_pg_migrate() {
  CMD=(env "DATABASE_URL=postgres://postgres:$PGPASSWORD@$2:$3/$1" "$npm_bin/node-pg-migrate" up -m "$4"
    --no-single-transaction --no-verbose)
}
version_node_pg_migrate() { CMD=("$npm_bin/node-pg-migrate" --version); }

prep_postgrator() {
  local n f
  mkdir -p "$2"
  while read -r n f; do cp "$1/$f" "$2/$n.do.$(desc_of "$f").sql"; done < <(each_numbered "$1")
}
setup_postgrator() { :; }
cmd_postgrator() {
  CMD=("$npm_bin/postgrator" --no-config --host "$2" --port "$3" --database "$1" --username postgres
    --password "$PGPASSWORD" --migration-pattern "$4/*.sql")
}
version_postgrator() { CMD=("$npm_bin/postgrator" --version); }

# Liquibase: one formatted-SQL changelog, each changeset sent whole (function bodies hold ';').
prep_liquibase() {
  local n f
  mkdir -p "$2"
  {
    echo "--liquibase formatted sql"
    while read -r n f; do printf '\n--changeset bench:%s splitStatements:false\n' "$n"; cat "$1/$f"; done < <(each_numbered "$1")
  } >"$2/changelog.sql"
}
setup_liquibase() { :; }
cmd_liquibase() {
  CMD=(env LIQUIBASE_ANALYTICS_ENABLED=false "$liquibase_bin" --show-banner=false --log-level=off
    --search-path="$4" --changelog-file=changelog.sql --url="jdbc:postgresql://$2:$3/$1" --username=postgres
    --password="$PGPASSWORD" update)
}
version_liquibase() { CMD=("$liquibase_bin" --version); }

# Sqitch: deploy scripts that carry their own transaction, and a plan; it runs psql per change.
prep_sqitch() {
  local n f d
  mkdir -p "$2/deploy"
  printf '[core]\n\tengine = pg\n[engine "pg"]\n\tclient = %s\n[user]\n\tname = bench\n\temail = bench@example.com\n' \
    "$psql_bin" >"$2/sqitch.conf"
  {
    printf '%%syntax-version=1.0.0\n%%project=bench\n\n'
    while read -r n f; do
      d=c${n}_$(desc_of "$f")
      { echo "BEGIN;"; cat "$1/$f"; echo "COMMIT;"; } >"$2/deploy/$d.sql"
      echo "$d 2026-01-01T00:00:00Z bench <bench@example.com> # $f"
    done < <(each_numbered "$1")
  } >"$2/sqitch.plan"
}
setup_sqitch() { :; }
cmd_sqitch() {
  CMD=(env -C "$4" "PGPASSWORD=$PGPASSWORD" sqitch deploy "db:pg://postgres@$2:$3/$1")
}
version_sqitch() { CMD=(sqitch --version); }
