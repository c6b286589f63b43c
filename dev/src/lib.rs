//! Flywheel's developer tools, kept out of the product library: the NAB detection scorer (`nab`, `corpus`,
//! `run`), the labelled detection-quality suite (`quality`), the speed benchmark (`bench`), the
//! side-by-side with the notebook peer (`compare`), the sample workspace's generator (`sample`) and the
//! OpenMetrics writer the Prometheus tests backfill a real server with (`openmetrics`), the scripted
//! CloudWatch the CloudWatch tests and pull benchmark talk to (`cwmock`), and the labelled ticket corpus with its
//! recurring-problem score (`tickets_quality`). The
//! `flywheel-dev` binary runs them.

pub mod bench;
pub mod compare;
pub mod corpus;
pub mod cw_bench;
pub mod cwmock;
pub mod journal_bench;
pub mod nab;
pub mod openmetrics;
pub mod quality;
pub mod run;
pub mod sample;
pub mod sample_tickets;
pub mod tickets_corpus;
pub mod tickets_quality;
