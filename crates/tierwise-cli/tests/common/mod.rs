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
