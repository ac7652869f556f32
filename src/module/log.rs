//! What a function tells its user while it runs: which nixpkgs it used,
//! which repository `--src` turned out to be, what it decided for them.
//!
//! A line goes to the process's stderr, which `dagger call` shows under
//! the function's call (the engine captures the module's output), prefixed
//! `blumeops-ci: `. The lines are also kept, so tests can read them back.

use std::sync::{Arc, Mutex};

/// The log of one call. Cheap to clone: clones share the lines.
#[derive(Clone, Default)]
pub struct Log {
    lines: Arc<Mutex<Vec<String>>>,
    /// Also write each line to stderr (off in tests, to keep their output
    /// readable).
    echo: bool,
}

impl Log {
    /// The log of a real call: every line also goes to stderr.
    pub fn stderr() -> Log {
        Log {
            lines: Arc::default(),
            echo: true,
        }
    }

    /// A log that only keeps its lines (for tests).
    pub fn quiet() -> Log {
        Log::default()
    }

    /// Tells the user `line`.
    pub fn say(&self, line: impl Into<String>) {
        let line = line.into();
        if self.echo {
            eprintln!("blumeops-ci: {line}");
        }
        self.lines.lock().expect("log lock").push(line);
    }

    /// Every line said so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("log lock").clone()
    }
}
