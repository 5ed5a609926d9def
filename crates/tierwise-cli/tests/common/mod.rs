//! What the CLI test binaries share: running the binary, the repository root, output text.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `tierwise` with `args` in the current folder.
pub fn tierwise(args: &[&str]) -> Output {
    tierwise_in(Path::new("."), args)
}

/// Runs `tierwise` with `args` in the folder `cwd`.
pub fn tierwise_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run tierwise")
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Two Tier-1 sites sharing one Tier-2 (the diamond of the risk tests).
pub fn write_small_network(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in [
        (
            "sites",
            "site_id,company,country,ttr_days\nP1,FOCAL,DE,10\nT1a,Alpha,DE,20\nT1b,Beta,PL,30\nT2,Gamma,CN,60\n",
        ),
        (
            "parts",
            "part_id,kind,name,unit_cost\nX,product,Gearbox,500\nA,assembly,Housing,80\nC,component,Casting,20\n",
        ),
        (
            "products",
            "part_id,site_id,demand_per_day,revenue_per_unit\nX,P1,100,50\n",
        ),
        ("bom", "parent_part,child_part,qty\nX,A,2\nA,C,3\n"),
        (
            "supply",
            "buyer_site,part_id,seller_site,share\nP1,A,T1a,0.6\nP1,A,T1b,0.4\nT1a,C,T2,1\nT1b,C,T2,1\n",
        ),
    ] {
        std::fs::write(dir.join(format!("{name}.csv")), text).unwrap();
    }
}
