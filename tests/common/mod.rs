//! Shared test support: a real PostgreSQL server.
pub mod pg;
