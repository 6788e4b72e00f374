//! Assumptions a comparison of tiers rests on, said out loud: a tier's
//! vCPUs shorten only the parallel share of a build (`parallel_fraction`),
//! and a tier's memory is checked only against a stated need
//! (`memory_gb`). Without them a sweep over tiers still answers, but the
//! answer is about price alone, or blind to memory.

use super::Scenario;
use crate::model::{PoolId, Target};
use crate::text::and_list;
use crate::workload::WorkloadSpec;

impl Scenario {
    /// For each pool named in `compared` (pools whose tier an axis
    /// varies), what its tiers' comparison assumes: that its workloads'
    /// runs take as long on every tier (`parallel_fraction = 0`), or that
    /// memory is not checked (no `memory_gb`).
    pub fn tier_assumptions(&self, compared: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for (p, pool) in self.pools.iter().enumerate() {
            if !compared.contains(&pool.name.as_str()) {
                continue;
            }
            let on_pool: Vec<_> = self
                .workloads
                .iter()
                .filter(|w| w.target == Target::Pool(PoolId(p as u32)))
                .collect();
            let names = |keep: fn(&WorkloadSpec) -> bool| -> Vec<String> {
                on_pool
                    .iter()
                    .filter(|w| keep(w))
                    .map(|w| w.name.clone())
                    .collect()
            };
            // `workload ci has` or `workloads ci and docs have`.
            let who = |n: &[String], one: &str, many: &str| {
                let (s, verb) = if n.len() == 1 { ("", one) } else { ("s", many) };
                format!("workload{s} {} {verb}", and_list(n))
            };
            let serial = names(|w| w.parallel_fraction == 0.0);
            if !serial.is_empty() {
                let price_only = if serial.len() == on_pool.len() {
                    ": the tiers then differ only in price"
                } else {
                    ""
                };
                out.push(format!(
                    "pool {}: tiers are compared, but {} parallel_fraction = 0, so those runs take as long on every tier{price_only}; set parallel_fraction to the share of a build that speeds up with vCPUs",
                    pool.name,
                    who(&serial, "has", "have"),
                ));
            }
            let unsized_ = names(|w| w.memory_gb.is_none());
            if !unsized_.is_empty() {
                out.push(format!(
                    "pool {}: tiers are compared, but {} no memory_gb, so memory is not checked: a smaller tier may not hold a build; set memory_gb to the most a run needs",
                    pool.name,
                    who(&unsized_, "sets", "set"),
                ));
            }
        }
        out
    }
}
