//! `aiguillage solve FILE`: reads a minimum-cost flow instance in DIMACS format and prints the optimal
//! cost (`cost N`) and the solve time in seconds, reading excluded (`seconds S`) — the two lines the
//! OR-Tools reference script prints too, for the benchmark.

use aiguillage_domain::matching::min_cost_flow;
use aiguillage_interop::dimacs::read_dimacs;
use std::path::PathBuf;
use std::time::Instant;

pub fn run(file: &PathBuf) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("lecture de {} impossible : {e}", file.display()))?;
    let network = read_dimacs(&text).map_err(|e| anyhow::anyhow!("{} : {e}", file.display()))?;
    drop(text);
    let started = Instant::now();
    let flow = min_cost_flow(&network)?;
    let seconds = started.elapsed().as_secs_f64();
    println!("cost {}", flow.cost);
    println!("seconds {seconds:.3}");
    Ok(())
}
