//! What a command's exit status means when the command did not end by
//! itself: a process killed by a signal exits with 128 + the signal's
//! number (the shell's convention, and the engine's). The engine treats
//! 128-191 as "killed" even when told to accept any exit code, so every
//! command the module runs gets the same one-line explanation here,
//! instead of the engine's raw error quoting the whole script.
//!
//! Exit status 128 itself is no signal: it is the command's own failure
//! (git's `fatal: ...` exits 128), reported with the command's own message
//! by its caller, never with "run it again" advice.

/// The first and last exit status that mean "killed by a signal".
///
/// - From 129: signals are numbered from 1 (SIGHUP). 128 + 0 would be
///   "signal 0", which is no signal (`kill -0` only asks whether a process
///   exists), and 128 is what git and other tools exit with on a fatal
///   error of their own.
/// - To 191 (signal 63): the engine's own bound (`ReturnTypes.ReturnCodes`
///   in Dagger's core/container.go), which hands 192-255 back as a tool's
///   own exit status (the AWS CLI uses them). Only signal 64 (SIGRTMAX, a
///   real-time signal nothing sends to stop a command) falls outside.
const SIGNALLED: std::ops::RangeInclusive<i32> = 129..=191;

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
    fn only_129_to_191_are_signals() {
        assert_eq!(signal(127), None);
        assert_eq!(signal(128), None, "git's own `fatal:` status");
        assert_eq!(signal(0), None);
        assert_eq!(signal(129).map(|s| (s.0, s.1)), Some((1, "SIGHUP")));
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

    #[test]
    fn each_named_signal_by_its_linux_number() {
        // signal(7), x86 and ARM numbering.
        let named = [
            (1, "SIGHUP"),
            (2, "SIGINT"),
            (3, "SIGQUIT"),
            (4, "SIGILL"),
            (6, "SIGABRT"),
            (7, "SIGBUS"),
            (8, "SIGFPE"),
            (9, "SIGKILL"),
            (11, "SIGSEGV"),
            (13, "SIGPIPE"),
            (14, "SIGALRM"),
            (15, "SIGTERM"),
            (24, "SIGXCPU"),
            (25, "SIGXFSZ"),
        ];
        for (number, name) in named {
            let (n, got, cause) = signal(128 + number).unwrap();
            assert_eq!((n, got), (number, name));
            assert!(!cause.is_empty() && cause != "something outside the command stopped it");
        }
        // SIGTRAP, SIGUSR1, SIGUSR2 and the real-time signals: no story.
        for number in [5, 10, 12, 34, 63] {
            assert_eq!(
                signal(128 + number),
                Some((
                    number,
                    "a signal",
                    "something outside the command stopped it"
                ))
            );
        }
    }

    #[test]
    fn exit_status_128_is_the_commands_own_failure() {
        let stderr = "fatal: bad object deadbee";
        assert_eq!(killed_message(128, "git", stderr), None);
        let hup = killed_message(129, "git", stderr).expect("129 is SIGHUP");
        assert!(
            hup.starts_with(
                "git was killed by signal 1 (SIGHUP, exit status 129): its terminal or session \
                 went away.\nRun the same command again; nothing was published."
            ),
            "{hup}"
        );
        let last = killed_message(191, "git", "").expect("191 is signal 63");
        assert_eq!(
            last,
            "git was killed by signal 63 (a signal, exit status 191): something outside the \
             command stopped it.\nRun the same command again; nothing was published."
        );
        assert_eq!(killed_message(192, "git", stderr), None);
    }
}
