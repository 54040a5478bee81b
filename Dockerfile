# Build stage: the SQLite and PostgreSQL client libraries are compiled in
# (bundled), so the runtime image needs no database packages.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY src ./src
COPY migrations ./migrations
COPY config ./config
COPY templates ./templates
# The web pages' stylesheet and script are compiled in; askama reads its
# template directory from askama.toml.
COPY static ./static
COPY askama.toml ./
# The PDFs' font is compiled in.
COPY assets ./assets
# Cargo.toml declares the load bench; cargo reads the manifest whole.
COPY benches ./benches
RUN cargo build --release --locked --bin plenary

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data plenary \
    && mkdir -p /data/mail && chown -R plenary /data
COPY --from=build /src/target/release/plenary /usr/local/bin/plenary
USER plenary
WORKDIR /data
VOLUME ["/data"]
ENV DATABASE_URL=sqlite:///data/plenary.db \
    PLENARY_LISTEN=0.0.0.0:8080 \
    PLENARY_MAIL_DIR=/data/mail
EXPOSE 8080
ENTRYPOINT ["plenary"]
CMD ["serve"]
