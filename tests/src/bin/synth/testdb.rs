//! `synth testdb`: what `#[migrator_core::test]` costs per test on a synthetic history (issue
//! 19). Creates `--tests` test databases one after another through
//! `migrator_core::testing::TestOptions` — exactly what each attributed test does before its
//! body runs, and drops each one after — on the database `--url` names, with templates (the
//! template dropped first, so the first test builds it) or without (every database migrated
//! from scratch). Prints one line: `tests=… templates=… total_seconds=… first_seconds=…
//! median_rest_seconds=…`. Timing tables are `scripts/bench-testdb`'s; this only measures.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, Result};
use migrator_core::graph::MigrationGraph;
use migrator_core::testing::TestOptions;
use migrator_tests::synth::Size;

/// Runs the measurement and prints its line.
pub fn run(size: Size, tests: usize, url: &str, templates: bool) -> Result<()> {
    let history = migrator_tests::synth::generate_history(size, |_| {})?;
    let graph = Arc::new(MigrationGraph::new(history.migrations)?);
    let options = TestOptions::new("bench")
        .graph(Arc::clone(&graph))
        .url(url)
        .templates(templates);
    if templates {
        options.drop_template().context("drop the old template")?;
    }
    let mut times = Vec::with_capacity(tests);
    let started = Instant::now();
    for i in 0..tests {
        let one = Instant::now();
        let db = options
            .create()
            .with_context(|| format!("test database {}", i + 1))?;
        db.close()
            .with_context(|| format!("drop test database {}", i + 1))?;
        times.push(one.elapsed().as_secs_f64());
    }
    let total = started.elapsed().as_secs_f64();
    let first = times.first().copied().unwrap_or_default();
    let mut rest = times.get(1..).unwrap_or_default().to_vec();
    rest.sort_by(f64::total_cmp);
    let median = rest.get(rest.len() / 2).copied().unwrap_or(first);
    println!(
        "tests={tests} templates={} migrations={} total_seconds={total:.3} first_seconds={first:.3} median_rest_seconds={median:.4}",
        if templates { "on" } else { "off" },
        graph.len()
    );
    Ok(())
}
