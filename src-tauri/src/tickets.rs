//! The app's ticket review: the open review's week of tickets grouped into problems and linked to its
//! findings (the core's [`flywheel::tickets::week`]), read from the sources once per opened review.

use tauri::AppHandle;

use crate::commands::blocking;
use crate::error::{Code, Error, Result};
use flywheel::review::Review;
use flywheel::tickets::week::{self, TicketReview};

use crate::state::{lock, with_review, AppState};

/// The ticket review of the open review, its tickets read from the sources once per opened review (kept in
/// the state; re-flagging only links them again); none when the workspace names no ticket sources.
pub fn of_open_review(state: &AppState, r: &Review) -> Option<TicketReview> {
    if r.workspace.tickets.is_empty() {
        return None;
    }
    let loaded = lock(&state.tickets).get_or_insert_with(|| week::load(&r.workspace, r.ctx.review_start(), r.ctx.review_end())).clone();
    Some(week::of_review(r, loaded))
}

/// The ticket review of the open review's week (the JSON of `flywheel tickets --json`), or nothing when the
/// workspace names no ticket sources.
#[tauri::command]
pub async fn ticket_review(app: AppHandle) -> Result<Option<serde_json::Value>> {
    blocking(app, move |state| {
        with_review(state, |r| {
            let Some(tr) = of_open_review(state, r) else { return Ok(None) };
            let doc = flywheel::report::tickets::document(&r.workspace.name, &r.workspace.tz, &tr, &r.findings, None);
            serde_json::to_value(&doc).map(Some).map_err(|e| Error::new(Code::Internal, e.to_string()))
        })
    })
    .await
}
