//! What `check` hands a CI server: the step summary (Markdown, for
//! `GITHUB_STEP_SUMMARY`) and a JUnit XML report, a testcase per
//! objective. Both read the run's one verdict; neither judges.

use super::document::markdown_table;
use super::verdict::{verdict_lines, verdict_table};
use crate::results::{ObjectiveVerdict, RunSummary, TotalMetric};

/// The compute cost a day and a month (30 days), in words.
fn cost_line(run: &RunSummary) -> String {
    let day = run.totals.get(TotalMetric::CostPerDayUsd).mean;
    format!(
        "cost: USD {day:.2} a day, about USD {:.0} a month (30 days)",
        day * 30.0
    )
}

/// The step summary of a check: the verdict per objective, the cost, the
/// warnings and what would fix a miss.
pub fn step_summary(run: &RunSummary, warnings: &[String]) -> String {
    let Some(verdict) = &run.slo else {
        return String::new();
    };
    let mut md = format!(
        "### poolcast check: {} {}\n\n",
        run.scenario,
        if verdict.met { "passed" } else { "failed" }
    );
    md.push_str(&markdown_table(&verdict_table(verdict)));
    md.push_str(&format!("\n{}\n", cost_line(run)));
    if !warnings.is_empty() {
        md.push_str("\n**Warnings**\n\n");
        for w in warnings {
            md.push_str(&format!("- {w}\n"));
        }
    }
    if !run.advice.is_empty() {
        md.push_str("\n**What would fix it**\n\n");
        for a in &run.advice {
            md.push_str(&format!("- {a}\n"));
        }
    }
    md
}

/// `text` with XML's five special characters escaped, and the characters
/// XML 1.0 cannot hold dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// A testcase's name: the objective and the workloads it judges.
fn case_name(o: &ObjectiveVerdict) -> String {
    if o.workloads.is_empty() {
        o.label()
    } else {
        format!("{} [{}]", o.label(), o.workloads.join(", "))
    }
}

/// The JUnit XML of a check (what GitLab's `artifacts:reports:junit` and
/// most CI servers read): a testsuite of one testcase per objective, a
/// `failure` where the verdict (on the mean, as `check`'s exit code)
/// misses, the cost, warnings and fix hint in `system-out`.
pub fn junit_xml(run: &RunSummary, warnings: &[String]) -> String {
    let objectives: &[ObjectiveVerdict] = run.slo.as_ref().map_or(&[], |v| &v.objectives);
    let lines = run.slo.as_ref().map(verdict_lines).unwrap_or_default();
    let failures = objectives.iter().filter(|o| !o.met).count();
    let suite = xml(&format!("poolcast check {}", run.scenario));
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{suite}\" tests=\"{n}\" failures=\"{failures}\">\n  <testsuite name=\"{suite}\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n",
        n = objectives.len(),
    );
    for (o, line) in objectives.iter().zip(&lines) {
        out.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"poolcast.{}\">\n",
            xml(&case_name(o)),
            xml(&run.scenario)
        ));
        if !o.met {
            out.push_str(&format!(
                "      <failure message=\"{}\" type=\"slo\">{}</failure>\n",
                xml(line),
                xml(line)
            ));
        }
        out.push_str(&format!("      <system-out>{}</system-out>\n", xml(line)));
        out.push_str("    </testcase>\n");
    }
    let mut notes = vec![cost_line(run)];
    notes.extend(warnings.iter().map(|w| format!("warning: {w}")));
    notes.extend(run.advice.iter().map(|a| format!("what would fix it: {a}")));
    out.push_str(&format!(
        "    <system-out>{}</system-out>\n  </testsuite>\n</testsuites>\n",
        xml(&notes.join("\n"))
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(
            xml("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
    }
}
