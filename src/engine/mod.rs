//! The domain-free discrete-event kernel: a time-ordered event queue, a
//! lane beside it for sources that keep one pending item each (arrivals),
//! and seeded random streams.
//!
//! Ordering guarantee: events come out in order of their tick; events with the
//! same tick come out in the order they were pushed (FIFO), to the queue or
//! to a lane: the insertion numbers are the kernel's own. A run is therefore
//! fully determined by its inputs and seeds. The kernel knows nothing of
//! pools, tasks or money, and never prints.

mod lane;
mod queue;
mod rng;

pub use lane::Lane;
pub use queue::EventQueue;
pub use rng::{SimRng, derive_seed, stream_rng};
