//! How the pipelines run a script: `sh -c SCRIPT sh ARG...`. The script is a
//! constant of this crate; whatever comes from the user travels as a
//! positional argument (`$1`, `$2`, ...), never as script text.

/// The argv that runs `script` with `args` as `$1`, `$2`, ...
pub fn sh_c(script: &str, args: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut argv = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        script.to_owned(),
        "sh".to_owned(),
    ];
    argv.extend(args);
    argv
}

#[cfg(test)]
mod tests {
    #[test]
    fn arguments_follow_the_script_and_its_name() {
        assert_eq!(
            super::sh_c("echo \"$1\"", ["a b".to_owned()]),
            ["sh", "-c", "echo \"$1\"", "sh", "a b"]
        );
    }
}
