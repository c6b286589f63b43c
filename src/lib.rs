//! Flywheel core: everything the weekly operational review needs, with no knowledge of any UI.
//!
//! The flow is one-way: [`source`] → [`series`] → [`analysis`] → [`finding`] → [`chart`] / [`report`].
//! [`review::Review`] runs it; [`config::Workspace`] says what to review.

pub mod analysis;
pub mod atomic;
pub mod chart;
pub mod coe;
pub mod config;
pub mod evidence;
pub mod finding;
#[cfg(test)]
pub(crate) mod fixture;
pub mod host;
pub mod import;
pub mod journal;
pub mod malloc;
pub mod minutes;
pub mod muting;
pub mod net;
pub mod noise;
pub mod paths;
pub mod recent;
pub mod recurring;
pub mod report;
pub mod review;
pub mod sample;
pub mod series;
pub mod source;
#[cfg(any(test, feature = "synth"))]
pub mod synth;
pub mod text;
pub mod tickets;
pub mod time;
pub mod view;
pub mod wheel;
