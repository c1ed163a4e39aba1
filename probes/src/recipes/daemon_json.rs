//! Checking daemon.json before the restart that would read it: `dockerd --validate`
//! exists from Engine 23.0 on (older engines only fail at start).

use crate::argv;
use crate::model::Fix;

/// `fix`, with `dockerd --validate --config-file=PATH` added where the Engine has it.
pub fn validated(fix: Fix, engine: Option<(u32, u32)>, path: &str) -> Fix {
    if engine.is_some_and(|v| v >= (23, 0)) {
        fix.run_root(argv![
            "dockerd",
            "--validate",
            format!("--config-file={path}")
        ])
    } else {
        fix
    }
}
