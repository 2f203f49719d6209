//! `aiguillage solve FILE`: reads a minimum-cost flow instance in DIMACS format and prints the optimal
//! cost (`cost N`) and the solve time in seconds, reading excluded (`seconds S`) — the two lines the
//! OR-Tools reference script prints too, for the benchmark. Recognising the problem's shape (the
//! redistribution's) is part of the timed solve.

use aiguillage_domain::matching::{as_assignment, assign, min_cost_flow};
use aiguillage_interop::dimacs::read_dimacs;
use std::path::PathBuf;
use std::time::Instant;

pub fn run(file: &PathBuf) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("lecture de {} impossible : {e}", file.display()))?;
    let network = read_dimacs(&text).map_err(|e| anyhow::anyhow!("{} : {e}", file.display()))?;
    drop(text);
    // The redistribution's shape goes to the solver built for it, any other network to the general one.
    let started = Instant::now();
    let cost = match as_assignment(&network) {
        Some(problem) => assign(&problem).total_cost,
        None => min_cost_flow(&network)?.cost,
    };
    let seconds = started.elapsed().as_secs_f64();
    println!("cost {cost}");
    println!("seconds {seconds:.3}");
    Ok(())
}
