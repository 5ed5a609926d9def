//! Gate: cycles. The BOM must be acyclic (only then does the node graph mean anything), and so
//! must the supply network compiled from it.

use std::collections::{BTreeMap, HashMap};

use super::Ctx;
use crate::model::Tables;
use crate::network::{Network, NetworkError};

/// Reports a BOM or supply cycle; without one, returns the leniently compiled network.
pub(super) fn check(c: &mut Ctx<'_>, t: &Tables) -> Option<Network> {
    if let Some((path, row)) = bom_cycle(t) {
        c.error(
            "bom",
            row,
            "child_part",
            &t.bom[row].child_part,
            format!("the BOM has a cycle: {}", path.join(" -> ")),
        );
        return None;
    }
    match Network::compile_lenient(t) {
        Ok(net) => Some(net),
        Err(NetworkError::Cycle { path, supply_rows }) => {
            let row = supply_rows.first().copied().unwrap_or(0);
            c.error(
                "supply",
                row,
                "seller_site",
                t.supply
                    .get(row)
                    .map(|s| s.seller_site.clone())
                    .unwrap_or_default(),
                format!("the supply network has a cycle: {}", path.join(" -> ")),
            );
            None
        }
    }
}

/// Finds a cycle in the BOM: the parts on it (first = last) and the row of its closing line.
fn bom_cycle(t: &Tables) -> Option<(Vec<String>, usize)> {
    let mut children: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for (i, b) in t.bom.iter().enumerate() {
        if b.parent_part != b.child_part {
            children
                .entry(&b.parent_part)
                .or_default()
                .push((&b.child_part, i));
        }
    }
    // Iterative three-colour DFS; the grey stack is the current path.
    let mut colour: HashMap<&str, u8> = HashMap::new();
    for &start in children.keys() {
        if colour.contains_key(start) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        colour.insert(start, 1);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let kids = children.get(node).map(Vec::as_slice).unwrap_or(&[]);
            if *next < kids.len() {
                let (child, row) = kids[*next];
                *next += 1;
                match colour.get(child) {
                    Some(1) => {
                        let pos = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                        let mut path: Vec<String> =
                            stack[pos..].iter().map(|(n, _)| n.to_string()).collect();
                        path.push(child.to_string());
                        return Some((path, row));
                    }
                    Some(_) => {}
                    None => {
                        colour.insert(child, 1);
                        stack.push((child, 0));
                    }
                }
            } else {
                colour.insert(node, 2);
                stack.pop();
            }
        }
    }
    None
}
