//! Errors as the UI receives them: `{code, message, details}`. The UI branches on `code`; `message` is
//! one sentence for a person; `details` lists every problem (a workspace's file:line messages).

use flywheel::config::ConfigError;
use flywheel::host::HostError;
use flywheel::import::grafana::ImportError;
use flywheel::journal::JournalError;
use flywheel::review::ReviewError;
use flywheel::view::ViewError;
use serde::Serialize;

/// Every code the UI can receive (as `snake_case` text). The UI branches on `superseded` and `cancelled`;
/// every code is shown on the error panel as `data-code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// A workspace, team or metric that is not there.
    NotFound,
    /// A workspace file that cannot be read.
    Unreadable,
    /// A workspace with configuration problems (each in `details`, with file and line).
    InvalidWorkspace,
    NoData,
    BadRange,
    /// The load was cancelled by the user.
    Cancelled,
    /// Another workspace was opened while this one loaded.
    Superseded,
    NoReview,
    BadSensitivity,
    BadUrl,
    OpenFailed,
    Chart,
    Journal,
    JournalTooNew,
    Wheel,
    NoSpin,
    /// What the user typed was refused (nothing was written).
    Invalid,
    /// A dashboard could not be read, fetched or imported (the message says which and why).
    Import,
    Internal,
}

#[cfg(test)]
impl Code {
    pub const ALL: [Code; 19] = [
        Code::NotFound,
        Code::Unreadable,
        Code::InvalidWorkspace,
        Code::NoData,
        Code::BadRange,
        Code::Cancelled,
        Code::Superseded,
        Code::NoReview,
        Code::BadSensitivity,
        Code::BadUrl,
        Code::OpenFailed,
        Code::Chart,
        Code::Journal,
        Code::JournalTooNew,
        Code::Wheel,
        Code::NoSpin,
        Code::Invalid,
        Code::Import,
        Code::Internal,
    ];
}

#[derive(Debug, Serialize)]
pub struct Error {
    pub code: Code,
    pub message: String,
    pub details: Vec<String>,
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Error {
        Error { code, message: message.into(), details: vec![] }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        let code = match &e {
            ConfigError::NotFound(_) | ConfigError::EmptyFolder(_) => Code::NotFound,
            ConfigError::Io { .. } => Code::Unreadable,
            ConfigError::Syntax { .. } | ConfigError::Invalid { .. } => Code::InvalidWorkspace,
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
            ReviewError::NoData(_) => Error::new(Code::NoData, e.to_string()),
            ReviewError::Range(_) => Error::new(Code::BadRange, e.to_string()),
            ReviewError::Cancelled => Error::new(Code::Cancelled, e.to_string()),
        }
    }
}

impl From<ViewError> for Error {
    fn from(e: ViewError) -> Error {
        let code = match e {
            ViewError::UnknownTeam(_) | ViewError::UnknownMetric(_) => Code::NotFound,
            ViewError::Chart(_) | ViewError::Unavailable(..) => Code::Chart,
            ViewError::Lines(_, flywheel::review::lines::LinesError::UnknownMetric(_)) => Code::NotFound,
            ViewError::Lines(_, flywheel::review::lines::LinesError::Unavailable(_)) => Code::Chart,
            ViewError::Lines(..) => Code::Invalid,
        };
        Error::new(code, e.to_string())
    }
}

impl From<HostError> for Error {
    fn from(e: HostError) -> Error {
        let code = match e {
            HostError::Journal(_) => Code::Journal,
            HostError::Wheel(_) => Code::Wheel,
        };
        Error::new(code, e.to_string())
    }
}

/// A journal error: `invalid` for what the user typed (nothing was written), `journal` otherwise.
impl From<JournalError> for Error {
    fn from(e: JournalError) -> Error {
        let code = match e {
            JournalError::Invalid(_) => Code::Invalid,
            JournalError::TooNew { .. } => Code::JournalTooNew,
            _ => Code::Journal,
        };
        Error::new(code, e.to_string())
    }
}

impl From<tauri::Error> for Error {
    fn from(e: tauri::Error) -> Error {
        Error::new(Code::Internal, e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<ImportError> for Error {
    fn from(e: ImportError) -> Error {
        let details: Vec<String> = e.to_string().lines().map(str::to_string).collect();
        let mut err = Error::new(Code::Import, details.first().cloned().unwrap_or_default());
        err.details = details;
        err
    }
}

impl From<flywheel::import::cloudwatch::CwImportError> for Error {
    fn from(e: flywheel::import::cloudwatch::CwImportError) -> Error {
        let details: Vec<String> = e.to_string().lines().map(str::to_string).collect();
        let mut err = Error::new(Code::Import, details.first().cloned().unwrap_or_default());
        err.details = details;
        err
    }
}
