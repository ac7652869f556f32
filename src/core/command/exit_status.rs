//! What a command's exit status means when the command did not end by
//! itself: a process killed by a signal exits with 128 + the signal's
//! number (the shell's convention, and the engine's). The engine treats
//! 128-191 as "killed" even when told to accept any exit code, so every
//! command the module runs gets the same one-line explanation here,
//! instead of the engine's raw error quoting the whole script.

/// The first and last exit status that mean "killed by a signal".
const SIGNALLED: std::ops::RangeInclusive<i32> = 128..=191;

/// How many lines of the command's stderr a message shows.
pub const TAIL_LINES: usize = 25;

/// The signal behind exit status `code`, when there is one:
/// its number, its name and what usually sends it.
pub fn signal(code: i32) -> Option<(i32, &'static str, &'static str)> {
    if !SIGNALLED.contains(&code) {
        return None;
    }
    let number = code - 128;
    let (name, cause) = match number {
        1 => ("SIGHUP", "its terminal or session went away"),
        2 => (
            "SIGINT",
            "it was interrupted (Ctrl-C, or the call was cancelled)",
        ),
        3 => ("SIGQUIT", "it was asked to quit"),
        4 => (
            "SIGILL",
            "it crashed (an illegal instruction: a binary built for another CPU?)",
        ),
        6 => (
            "SIGABRT",
            "it aborted itself (an assertion or a fatal runtime error)",
        ),
        7 => ("SIGBUS", "it crashed (a bus error)"),
        8 => ("SIGFPE", "it crashed (an arithmetic error)"),
        9 => (
            "SIGKILL",
            "usually it ran out of memory: the kernel's OOM killer, or the memory limit of the \
             Dagger engine's container, stopped it",
        ),
        11 => ("SIGSEGV", "it crashed (a segmentation fault)"),
        13 => ("SIGPIPE", "what it wrote to went away"),
        14 => ("SIGALRM", "a timer it set ran out"),
        15 => (
            "SIGTERM",
            "it was told to stop: the call was cancelled, or the engine is shutting down",
        ),
        24 => ("SIGXCPU", "it ran out of CPU time"),
        25 => ("SIGXFSZ", "a file it wrote grew past the size limit"),
        _ => ("a signal", "something outside the command stopped it"),
    };
    Some((number, name, cause))
}

/// The message for `command` (what the user knows it as, e.g. `nix-build
/// of containers/jq/default.nix`) killed by a signal, with the end of its
/// stderr; `None` when `code` is an ordinary exit status.
pub fn killed_message(code: i32, command: &str, stderr: &str) -> Option<String> {
    let (number, name, cause) = signal(code)?;
    let mut message =
        format!("{command} was killed by signal {number} ({name}, exit status {code}): {cause}.");
    if number == 9 {
        message.push_str(
            "\nGive the Dagger engine more memory (or run fewer builds on it at once), then run \
             the same command again: nothing was published.",
        );
    } else {
        message.push_str("\nRun the same command again; nothing was published.");
    }
    let tail = tail(stderr, TAIL_LINES);
    if !tail.is_empty() {
        message.push_str("\nThe end of its output (stderr):\n");
        message.push_str(&tail);
    }
    Some(message)
}

/// The last `n` lines of `text`: where tools put their error.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_128_to_191_are_signals() {
        assert_eq!(signal(127), None);
        assert_eq!(signal(0), None);
        assert_eq!(signal(192), None);
        assert_eq!(signal(255), None);
        assert_eq!(signal(137).map(|s| s.1), Some("SIGKILL"));
        assert_eq!(signal(143).map(|s| s.1), Some("SIGTERM"));
        assert_eq!(signal(191).map(|s| s.0), Some(63));
    }

    #[test]
    fn a_killed_build_says_what_happened_in_one_line() {
        let stderr = (1..=40)
            .map(|i| format!("building part {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let message = killed_message(137, "nix-build of containers/jq/default.nix", &stderr)
            .expect("137 is a signal");
        let first = message.lines().next().unwrap();
        assert_eq!(
            first,
            "nix-build of containers/jq/default.nix was killed by signal 9 (SIGKILL, exit status \
             137): usually it ran out of memory: the kernel's OOM killer, or the memory limit of \
             the Dagger engine's container, stopped it."
        );
        assert!(message.contains("more memory"), "{message}");
        assert!(message.ends_with("building part 40"), "{message}");
        assert!(!message.contains("building part 15\n"), "{message}");
        assert_eq!(killed_message(1, "x", "boom"), None);
    }
}
