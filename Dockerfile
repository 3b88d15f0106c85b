# strata's container image (README.md, "Deploying").
#   docker build --target with-migrations -t strata-migrations .   # + migrations/ in /flyway/sql (CI ships this)
#   docker build --target runtime -t strata .                      # strata alone: mount /flyway/sql
# Runs as uid 10001 with `ENTRYPOINT ["strata"]`, `CMD ["migrate"]`; FLYWAY_* and STRATA_*
# variables configure it. Classic syntax only (no heredocs, RUN --mount or COPY --chmod), so the
# legacy builder builds it as well as BuildKit.

# ---- build: the project's own scripts, then the unit tests ----
FROM debian:bookworm AS build
WORKDIR /src
# Only what the C++ build needs: with --build-only (and without deploy/ in the context) the
# bootstrap installs no PostgreSQL, Node, npm or Docker. Its layer stays cached until it changes.
COPY scripts/bootstrap scripts/
RUN ./scripts/bootstrap --build-only && rm -rf /var/lib/apt/lists/*
COPY scripts/build scripts/
COPY CMakeLists.txt ./
COPY include/ include/
COPY src/ src/
COPY tests/ tests/
# config_test loads the documented sample config.
COPY strata.example.yaml ./
# Integration tests need a PostgreSQL server and run in ./scripts/test, not here.
RUN ./scripts/build strata unit_tests \
 && ctest --test-dir build -L unit --no-tests=error --output-on-failure --parallel "$(nproc)"
# The runtime image's whole file system: strata, libpq (dlopen'ed, so not in ldd's list of
# strata) and their libraries, CA certificates, deploy/rds-ca/*.pem, the user strata (10001).
COPY scripts/runtime-rootfs scripts/
COPY deploy/rds-ca/ deploy/rds-ca/
RUN ./scripts/runtime-rootfs /rootfs
# The migrations, readable by uid 10001 whatever their mode in the checkout.
COPY migrations/ /sql/
RUN chmod -R a+rX,go-w /sql

# ---- runtime: strata alone; migrations are mounted at /flyway/sql ----
FROM scratch AS runtime
COPY --from=build /rootfs/ /
# FLYWAY_LOCATIONS (not STRATA_LOCATIONS): a STRATA_LOCATIONS, FLYWAY_LOCATIONS or --locations
# given to the container still wins. PGSSLROOTCERT: the RDS CA bundle when deploy/rds-ca/ had it
# at build time (libpq needs it only for sslmode=verify-ca/verify-full; see deploy/rds-ca/).
ENV PATH=/usr/local/bin \
    FLYWAY_LOCATIONS=filesystem:/flyway/sql \
    PGSSLROOTCERT=/etc/ssl/rds/global-bundle.pem
WORKDIR /flyway
USER 10001:10001
ENTRYPOINT ["strata"]
CMD ["migrate"]

# ---- with-migrations: runtime + this repository's migrations/ (what CI pushes to ECR) ----
FROM runtime AS with-migrations
COPY --from=build /sql/ /flyway/sql/
