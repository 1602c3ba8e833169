//! Colour (`--color`): which streams get ANSI styles, and the few styles the text output uses.
//!
//! Styled text is always written with its escape codes; each stream of [`Output`] is an
//! [`anstream::AutoStream`] (what clap colours its help with) that passes them through or strips
//! them. Whether a stream is coloured is decided once, by [`choice`]: `--color always` / `never`
//! win; `auto` colours a terminal unless `NO_COLOR` is set, and `CLICOLOR_FORCE` colours even a
//! pipe (anstream's rules). JSON output is never coloured.
//!
//! [`Output`]: super::Output

use std::fmt::Display;

use anstream::stream::RawStream;
use anstream::{AutoStream, ColorChoice};
use anstyle::{AnsiColor, Color, Style};

use crate::cli::ColorWhen;

const fn fg(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(Color::Ansi(color)))
}

/// `[X]`: an applied migration.
pub const APPLIED: Style = fg(AnsiColor::Green);
/// `[ ]`: an unapplied migration.
pub const UNAPPLIED: Style = Style::new().dimmed();
/// `OK`.
pub const OK: Style = fg(AnsiColor::Green).bold();
/// `FAILED`.
pub const FAILED: Style = fg(AnsiColor::Red).bold();
/// `FAKED`.
pub const FAKED: Style = fg(AnsiColor::Yellow);
/// `warning:` and what a migration risks.
pub const WARNING: Style = fg(AnsiColor::Yellow).bold();
/// `error:`.
pub const ERROR: Style = fg(AnsiColor::Red).bold();
/// `note:`.
pub const NOTE: Style = fg(AnsiColor::Cyan).bold();
/// A heading (`Operations to perform:`, an app's name).
pub const HEADING: Style = Style::new().bold();

/// `text` in `style` (the codes are stripped later on a stream that is not coloured).
pub fn paint(style: Style, text: impl Display) -> String {
    format!("{style}{text}{style:#}")
}

/// Whether `stream` is coloured under `--color when`: [`ColorChoice::Always`] or
/// [`ColorChoice::Never`].
pub fn choice<S: RawStream>(when: ColorWhen, stream: &S) -> ColorChoice {
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => AutoStream::choice(stream),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_choices_ignore_the_stream() {
        let sink: Vec<u8> = Vec::new();
        assert_eq!(choice(ColorWhen::Always, &sink), ColorChoice::Always);
        assert_eq!(choice(ColorWhen::Never, &sink), ColorChoice::Never);
    }

    #[test]
    fn painted_text_is_wrapped_in_escape_codes() {
        assert_eq!(paint(OK, "OK"), "\u{1b}[1m\u{1b}[32mOK\u{1b}[0m");
    }
}
