//! Errors as the UI receives them: `{code, message, details}`. The UI branches on `code`; `message` is
//! one sentence for a person; `details` lists every problem (a workspace's file:line messages).

use flywheel::config::ConfigError;
use flywheel::host::HostError;
use flywheel::journal::JournalError;
use flywheel::review::ReviewError;
use flywheel::view::ViewError;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Error {
    pub code: &'static str,
    pub message: String,
    pub details: Vec<String>,
}

impl Error {
    pub fn new(code: &'static str, message: impl Into<String>) -> Error {
        Error { code, message: message.into(), details: vec![] }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        let code = match &e {
            ConfigError::NotFound(_) => "not_found",
            ConfigError::Io { .. } => "unreadable",
            ConfigError::Syntax { .. } | ConfigError::Invalid { .. } => "invalid_workspace",
        };
        let details: Vec<String> = e.to_string().lines().map(str::to_string).collect();
        let message = match &e {
            ConfigError::Invalid { path, issues } => {
                format!("{path} has {} problem{}", issues.len(), if issues.len() == 1 { "" } else { "s" })
            }
            other => other.to_string(),
        };
        Error { code, message, details }
    }
}

impl From<ReviewError> for Error {
    fn from(e: ReviewError) -> Error {
        match e {
            ReviewError::Config(c) => c.into(),
            ReviewError::NoData(_) => Error::new("no_data", e.to_string()),
            ReviewError::Range(_) => Error::new("bad_range", e.to_string()),
            ReviewError::Cancelled => Error::new("cancelled", e.to_string()),
        }
    }
}

impl From<ViewError> for Error {
    fn from(e: ViewError) -> Error {
        let code = match e {
            ViewError::UnknownTeam(_) | ViewError::UnknownMetric(_) => "not_found",
            ViewError::Chart(_) => "chart",
        };
        Error::new(code, e.to_string())
    }
}

impl From<HostError> for Error {
    fn from(e: HostError) -> Error {
        let code = match e {
            HostError::Journal(_) => "journal",
            HostError::Wheel(_) => "wheel",
        };
        Error::new(code, e.to_string())
    }
}

/// A journal error: `invalid` for what the user typed (nothing was written), `journal` otherwise.
impl From<JournalError> for Error {
    fn from(e: JournalError) -> Error {
        let code = match e {
            JournalError::Invalid(_) => "invalid",
            JournalError::TooNew { .. } => "journal_too_new",
            _ => "journal",
        };
        Error::new(code, e.to_string())
    }
}

impl From<tauri::Error> for Error {
    fn from(e: tauri::Error) -> Error {
        Error::new("internal", e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
