//! The results as plain data, which every output reads.

pub mod schedule;
