//! The app's ticket review: the open review's week of tickets grouped into problems and linked to its
//! findings (the core's [`flywheel::tickets::week`]), read from the sources once per opened review.

use tauri::AppHandle;

use crate::commands::blocking;
use crate::error::{Code, Error, Result};
use crate::state::{lock, with_review};

/// The ticket review of the open review's week (the JSON of `flywheel tickets --json`), or nothing when the
/// workspace names no ticket sources.
#[tauri::command]
pub async fn ticket_review(app: AppHandle) -> Result<Option<serde_json::Value>> {
    blocking(app, move |state| {
        let (ws, from, to, findings) =
            with_review(state, |r| Ok((r.workspace.clone(), r.ctx.review_start(), r.ctx.review_end(), r.findings.clone())))?;
        if ws.tickets.is_empty() {
            return Ok(None);
        }
        let loaded = {
            let mut kept = lock(&state.tickets);
            kept.get_or_insert_with(|| flywheel::tickets::week::load(&ws, from, to)).clone()
        };
        let tr = flywheel::tickets::week::build(&ws, loaded, from, to, &findings);
        let doc = flywheel::report::tickets::document(&ws.name, &ws.tz, &tr, &findings, None);
        serde_json::to_value(&doc).map(Some).map_err(|e| Error::new(Code::Internal, e.to_string()))
    })
    .await
}
