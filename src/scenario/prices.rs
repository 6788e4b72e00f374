//! `[prices]`: what an instance hour of each tier costs, on which base,
//! and the default compute's rate, checked.

use super::raw::RawPrices;
use super::validate::{Ctx, MAX_NUMBER};
use crate::model::{PriceBase, PriceTable, Tier};

/// The price table of `raw`, the built-in prices where it says nothing.
pub(super) fn prices(cx: &mut Ctx, raw: &RawPrices) -> PriceTable {
    let base = match &raw.base {
        None => PriceBase::Allocation,
        Some(b) => match b.get_ref().as_str() {
            "allocation" => PriceBase::Allocation,
            "vm" => PriceBase::Vm,
            other => {
                cx.issue(Some(b), "prices.base", format!("unknown price base {other:?}; use \"allocation\" (vCPUs at the task rate) or \"vm\" (equivalent VM prices)"));
                PriceBase::Allocation
            }
        },
    };
    let mut table = PriceTable::new(base);
    for (tier, v) in [
        (Tier::S1, &raw.s1),
        (Tier::S2, &raw.s2),
        (Tier::S3, &raw.s3),
        (Tier::I6, &raw.i6),
    ] {
        let key = format!("prices.{tier}");
        let usd = cx.number(
            v.as_ref(),
            &key,
            (0.0, MAX_NUMBER),
            table.instance_hour_usd(tier),
        );
        table.set_instance_hour_usd(tier, usd);
    }
    let dc = &mut table.default_compute;
    dc.vcpu_second_usd = cx.number(
        raw.default_vcpu_second.as_ref(),
        "prices.default_vcpu_second",
        (0.0, MAX_NUMBER),
        dc.vcpu_second_usd,
    );
    dc.free_vcpu_seconds_per_month = cx.number(
        raw.default_free_vcpu_seconds_per_month.as_ref(),
        "prices.default_free_vcpu_seconds_per_month",
        (0.0, MAX_NUMBER),
        dc.free_vcpu_seconds_per_month,
    );
    table
}
