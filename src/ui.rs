//! What the command line says on stderr besides results and errors: informational lines,
//! warnings, a progress bar on a terminal (indicatif), and whether any of it is coloured.
//! Nothing here reaches a simulation or an output file.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// When stderr is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set (https://no-color.org).
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The global `--quiet`, `--verbose` and `--color` choices.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ui {
    /// No progress and no informational lines (warnings and errors stay).
    pub quiet: bool,
    /// One line per finished run.
    pub verbose: bool,
    /// Colour on stderr.
    pub color: bool,
}

impl Ui {
    /// The choices of the flags, with NO_COLOR and whether stderr is a terminal.
    pub fn new(quiet: bool, verbose: bool, color: ColorWhen) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => !no_color && std::io::stderr().is_terminal(),
        };
        Ui {
            quiet,
            verbose: verbose && !quiet,
            color,
        }
    }

    /// An informational line (not with --quiet).
    pub fn info(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }

    /// A bar of `total` steps named `what`, drawn on a terminal only and not with --quiet.
    pub fn progress(&self, total: u64, what: &str) -> Progress {
        let shown = !self.quiet && std::io::stderr().is_terminal();
        let bar = if shown {
            let template = if self.color {
                "{bar:30.green/dim} {pos}/{len} {msg} · {elapsed} elapsed, about {eta} left"
            } else {
                "{bar:30} {pos}/{len} {msg} · {elapsed} elapsed, about {eta} left"
            };
            let style = ProgressStyle::with_template(template)
                .expect("a valid template")
                .progress_chars("=> ");
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                .with_style(style)
                .with_message(what.to_string())
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            verbose: self.verbose,
        }
    }
}

/// A progress bar (possibly hidden) and the --verbose lines printed beside it.
pub struct Progress {
    bar: ProgressBar,
    verbose: bool,
}

impl Progress {
    /// One step done; `line` is printed with --verbose.
    pub fn step(&self, line: impl FnOnce() -> String) {
        self.inc();
        self.note(line);
    }

    /// One step done, with no line.
    pub fn inc(&self) {
        self.bar.inc(1);
    }

    /// A line printed with --verbose (above the bar), without a step.
    pub fn note(&self, line: impl FnOnce() -> String) {
        if self.verbose {
            if self.bar.is_hidden() {
                eprintln!("{}", line());
            } else {
                self.bar.println(line());
            }
        }
    }

    /// Set the message shown after the counts.
    pub fn message(&self, msg: String) {
        self.bar.set_message(msg);
    }

    /// Remove the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
