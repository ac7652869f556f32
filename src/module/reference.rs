//! `docs/reference.md`, rendered from the function table: the same text
//! `dagger call <function> --help` shows, in one page. The binary prints it
//! with `--reference`; `tests/docs/reference.rs` fails when the committed page
//! is stale.

use std::fmt::Write;

use super::arg_spec::{ArgSpec, Default};
use super::spec::{CachePolicy, FunctionSpec};

/// The page for `table`.
pub fn render(table: &[FunctionSpec]) -> String {
    let mut out = String::from(
        "# Function reference\n\n\
         Generated from the function table (`src/functions/`) by \
         `cargo run -q -- --reference > docs/reference.md`; do not edit by hand. \
         Each section is what the CLI shows for `--help` of that function. What the \
         functions expect of a repository and print, with samples: \
         [conventions and output formats](conventions.md); what their errors \
         mean: [troubleshooting](troubleshooting.md) and [bad input](bad-input.md).\n\n",
    );
    for f in table {
        writeln!(out, "- [`{0}`](#{0})", f.cli_name()).expect("String");
    }
    for f in table {
        let (summary, body) = f.doc.split_once("\n\n").unwrap_or((f.doc, ""));
        write!(out, "\n## {}\n\n{}\n\n", f.cli_name(), text(summary)).expect("String");
        if !body.is_empty() {
            write!(out, "{}\n\n", text(body)).expect("String");
        }
        write!(out, "Returns `{}`", f.returns.display_name()).expect("String");
        match f.cache {
            CachePolicy::Default => {}
            CachePolicy::Expires(ttl) => write!(
                out,
                "; cached for at most {ttl} (an unpinned nixpkgs moves)"
            )
            .expect("String"),
            CachePolicy::Never => {
                out.push_str("; never cached (it reads or changes outside state)")
            }
        }
        if f.check {
            out.push_str("; also run by `dagger check`");
        }
        out.push_str(".\n\n| argument | type | default | description |\n|---|---|---|---|\n");
        for a in f.args {
            writeln!(
                out,
                "| `{}` | `{}` | {} | {} |",
                a.flag(),
                a.ty.display_name(),
                default_cell(a),
                text(a.doc).replace('|', "\\|")
            )
            .expect("String");
        }
    }
    out
}

fn default_cell(a: &ArgSpec) -> String {
    match a.default {
        Default::Required => "required".into(),
        Default::Null => "none".into(),
        Default::Json(_) | Default::String(_) | Default::Strings(_) => {
            format!("`{}`", a.default.json().expect("JSON"))
        }
        Default::Path { path, ignore } => {
            format!("`{path}` (ignoring `{}`)", ignore.join("`, `"))
        }
        Default::RequiredDir { ignore } => {
            format!("required (ignoring `{}`)", ignore.join("`, `"))
        }
    }
}

/// Doc text as Markdown: `<name>` placeholders are not HTML tags.
fn text(doc: &str) -> String {
    doc.replace('<', "&lt;").replace('>', "&gt;")
}
