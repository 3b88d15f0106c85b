/* The floor client: what no migration runner can beat. It connects once and, for each migration,
 * sends one message holding BEGIN, the file's statements, the history INSERT and COMMIT (the same
 * work as the psql session), then waits for its results: one send and one round trip per
 * migration. A simple-query message is used because it carries many statements at once; libpq's
 * pipeline mode would need the extended protocol and one message group per statement, which is
 * more bytes for the same single round trip.
 *   floor CONNINFO SCRIPT   SCRIPT: the migrations' texts, each ended by a line holding only \f
 * Built by bench/run (cc floor.c -lpq); not part of the project's build. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "floor: cannot read %s\n", path); exit(2); }
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* Sends one migration and reads every result; any error ends the run. */
static void apply(PGconn *conn, const char *sql, int index) {
  if (!PQsendQuery(conn, sql)) { fprintf(stderr, "floor: migration %d: %s", index, PQerrorMessage(conn)); exit(1); }
  PGresult *res;
  int failed = 0;
  while ((res = PQgetResult(conn)) != NULL) {
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      fprintf(stderr, "floor: migration %d: %s", index, PQresultErrorMessage(res));
      failed = 1;
    }
    PQclear(res);
  }
  if (failed) exit(1);
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: floor CONNINFO SCRIPT\n"); return 2; }
  size_t len;
  char *script = slurp(argv[2], &len);
  PGconn *conn = PQconnectdb(argv[1]);
  if (PQstatus(conn) != CONNECTION_OK) { fprintf(stderr, "floor: %s", PQerrorMessage(conn)); return 1; }
  int index = 0;
  char *start = script;
  for (;;) {
    char *end = strstr(start, "\n\f\n");
    if (!end) break;
    end[1] = '\0';
    apply(conn, start, ++index);
    start = end + 3;
  }
  PQfinish(conn);
  free(script);
  return 0;
}
