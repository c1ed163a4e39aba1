//! The progress line: on a terminal, while probes run, stderr shows which are still running,
//! so a slow network check never looks like a hang. It is cleared before the report.

use crate::engine::Progress;
use std::io::Write;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const FRAMES: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/// Quick runs finish before this: no line flashes up for them.
const SHOW_AFTER: Duration = Duration::from_millis(150);

pub fn show(rx: Receiver<Progress>) {
    let started = Instant::now();
    let mut running: Vec<&'static str> = Vec::new();
    let mut frame = 0;
    let mut shown = false;
    let mut stderr = std::io::stderr();
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Progress::Started(id)) => running.push(id),
            Ok(Progress::Done(id)) => running.retain(|r| *r != id),
            Ok(Progress::Finished) => break,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if started.elapsed() >= SHOW_AFTER && !running.is_empty() {
            frame = (frame + 1) % FRAMES.len();
            let _ = write!(
                stderr,
                "\r\x1b[2K{} checking: {} ({:.1} s)",
                FRAMES[frame],
                running.join(", "),
                started.elapsed().as_secs_f64()
            );
            let _ = stderr.flush();
            shown = true;
        }
    }
    if shown {
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
}
