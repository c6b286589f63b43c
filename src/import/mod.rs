//! Importers: read what teams already keep elsewhere (Grafana dashboards) and write a workspace — a
//! `flywheel.toml` and a list of what could not be imported. They only write a workspace: the review
//! reads it like any other.

pub mod grafana;
