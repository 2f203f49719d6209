//! The DIMACS minimum-cost flow format (`c` comments, one `p min NODES ARCS` line, `n ID SUPPLY` node
//! lines, `a FROM TO LOW CAP COST` arc lines; nodes numbered from 1), read into a
//! `domain::matching::Network` with a precise error (line and reason) on bad input.

use aiguillage_domain::matching::{Arc, Network};

/// Why a file is not a readable instance.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ligne {line} : {reason}")]
pub struct DimacsError {
    pub line: usize,
    pub reason: String,
}

fn error(line: usize, reason: impl Into<String>) -> DimacsError {
    DimacsError {
        line,
        reason: reason.into(),
    }
}

fn numbers<const N: usize>(
    fields: &[&str],
    line: usize,
    what: &str,
) -> Result<[i64; N], DimacsError> {
    if fields.len() != N {
        return Err(error(
            line,
            format!("{what} : {N} nombres attendus, {} trouvés", fields.len()),
        ));
    }
    let mut values = [0_i64; N];
    for (value, field) in values.iter_mut().zip(fields) {
        *value = field
            .parse()
            .map_err(|_| error(line, format!("{what} : « {field} » n'est pas un entier")))?;
    }
    Ok(values)
}

/// The largest instance read: far above a national run (a million people, 20 000 offers), far
/// below what a declared count could make the reader allocate.
const MAX_NODES: usize = 10_000_000;
const MAX_ARCS: usize = 200_000_000;

/// Reads an instance. Lower bounds other than 0 are refused (the generator never writes them).
pub fn read_dimacs(text: &str) -> Result<Network, DimacsError> {
    let mut network: Option<Network> = None;
    let mut declared_arcs = 0;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let fields: Vec<&str> = raw.split_whitespace().collect();
        let Some((&kind, rest)) = fields.split_first() else {
            continue;
        };
        match (kind, network.as_mut()) {
            ("c", _) => {}
            ("p", None) => {
                if rest.first() != Some(&"min") {
                    return Err(error(line, "problème « p min » attendu"));
                }
                let [nodes, arcs] = numbers::<2>(&rest[1..], line, "ligne p")?;
                let nodes =
                    usize::try_from(nodes).map_err(|_| error(line, "nombre de nœuds négatif"))?;
                declared_arcs =
                    usize::try_from(arcs).map_err(|_| error(line, "nombre d'arcs négatif"))?;
                if nodes > MAX_NODES || declared_arcs > MAX_ARCS {
                    return Err(error(
                        line,
                        format!(
                            "instance trop grande : au plus {MAX_NODES} nœuds et {MAX_ARCS} arcs"
                        ),
                    ));
                }
                network = Some(Network {
                    supplies: vec![0; nodes],
                    // Reserved up to a bound only: the declared count is the file's word.
                    arcs: Vec::with_capacity(declared_arcs.min(1 << 16)),
                });
            }
            ("p", Some(_)) => return Err(error(line, "seconde ligne « p »")),
            ("n" | "a", None) => return Err(error(line, "la ligne « p min » doit venir d'abord")),
            ("n", Some(network)) => {
                let [node, supply] = numbers::<2>(rest, line, "ligne n")?;
                let slot = node_index(node, network.supplies.len(), line)?;
                network.supplies[slot] = supply;
            }
            ("a", Some(network)) => {
                let [from, to, low, capacity, cost] = numbers::<5>(rest, line, "ligne a")?;
                if low != 0 {
                    return Err(error(
                        line,
                        "borne inférieure non nulle non prise en charge",
                    ));
                }
                if capacity < 0 {
                    return Err(error(line, "capacité négative"));
                }
                let nodes = network.supplies.len();
                network.arcs.push(Arc {
                    from: node_index(from, nodes, line)?,
                    to: node_index(to, nodes, line)?,
                    capacity,
                    cost,
                });
            }
            (other, _) => return Err(error(line, format!("type de ligne « {other} » inconnu"))),
        }
    }
    let network = network.ok_or_else(|| error(0, "aucune ligne « p min »"))?;
    if network.arcs.len() != declared_arcs {
        return Err(error(
            0,
            format!("{declared_arcs} arcs annoncés, {} lus", network.arcs.len()),
        ));
    }
    Ok(network)
}

fn node_index(node: i64, nodes: usize, line: usize) -> Result<usize, DimacsError> {
    usize::try_from(node)
        .ok()
        .filter(|n| (1..=nodes).contains(n))
        .map(|n| n - 1)
        .ok_or_else(|| error(line, format!("nœud {node} hors de 1..{nodes}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "c two people, one offer\np min 4 5\nn 1 -2\nn 2 1\nn 3 1\na 2 4 0 1 5\na 3 4 0 1 7\na 4 1 0 1 0\na 2 1 0 1 100\na 3 1 0 1 100\n";

    #[test]
    fn a_small_instance_is_read() {
        let network = read_dimacs(SMALL).expect("valid");
        assert_eq!(network.supplies, vec![-2, 1, 1, 0]);
        assert_eq!(network.arcs.len(), 5);
        assert_eq!(
            network.arcs[0],
            Arc {
                from: 1,
                to: 3,
                capacity: 1,
                cost: 5
            }
        );
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let bad = SMALL.replace("a 3 4 0 1 7", "a 3 9 0 1 7");
        assert_eq!(
            read_dimacs(&bad).expect_err("bad node").to_string(),
            "ligne 7 : nœud 9 hors de 1..4"
        );
        let short = SMALL.replace("a 2 1 0 1 100\n", "");
        assert!(read_dimacs(&short)
            .expect_err("missing arc")
            .to_string()
            .contains("5 arcs annoncés, 4 lus"));
        assert!(read_dimacs("n 1 2\n").is_err());
        // Found by the fuzz target `dimacs`: a node count that overflowed the allocation.
        let huge = format!(
            "c two people\np min {} 5\nn 1 -2\n",
            "0".repeat(60) + "4099276460824344803"
        );
        assert!(read_dimacs(&huge).is_err());
        assert!(read_dimacs("p min 4000000000 1\n").is_err());
        assert!(read_dimacs("p min 2 999999999999\n").is_err());
        assert!(read_dimacs("p min 2 1\na 1 2 0 x 1\n")
            .expect_err("not a number")
            .to_string()
            .contains("« x »"));
    }
}
