//! The meeting's commands (the meeting view, key `m`): start or resume the week's meeting, move through
//! its agenda, record attendance and the presenter, mark findings, and end it with the minutes written.
//! Each call is one journal write, so a meeting survives the app being killed.

use flywheel::journal::meetings::{Mark, Meeting};
use flywheel::journal::Journal;
use serde::Serialize;
use tauri::AppHandle;

use crate::commands::blocking;
use crate::error::{Code, Error, Result};
use crate::state::{with_review, AppState};

/// The open review's week (`2026-11-09`) and its journal.
fn week_and_journal(state: &AppState) -> Result<(String, Journal, flywheel::config::Workspace)> {
    let (week, ws) = with_review(state, |r| Ok((flywheel::recurring::start_date(r), r.workspace.clone())))?;
    Ok((week, state.journal()?, ws))
}

/// Start this week's meeting with the workspace's agenda, or resume the one under way.
#[tauri::command]
pub async fn meeting_start(app: AppHandle) -> Result<Meeting> {
    blocking(app, |state| {
        let (week, mut j, ws) = week_and_journal(state)?;
        Ok(j.start_meeting(&week, &ws.agenda, &flywheel::journal::author(), flywheel::time::now())?)
    })
    .await
}

/// Move to segment `index` (Next / Previous).
#[tauri::command]
pub async fn meeting_segment(app: AppHandle, id: i64, index: usize) -> Result<Meeting> {
    blocking(app, move |state| Ok(state.journal()?.meeting_segment(id, index, flywheel::time::now())?)).await
}

/// Who is absent, and who presents (after the wheel's Present).
#[tauri::command]
pub async fn meeting_people(app: AppHandle, id: i64, absent: Vec<String>, presenter: String) -> Result<Meeting> {
    blocking(app, move |state| {
        let mut j = state.journal()?;
        j.meeting_people(id, &absent, &presenter)?;
        j.meeting(id)?.ok_or_else(|| Error::new(Code::NotFound, format!("no meeting {id}")))
    })
    .await
}

/// Mark a finding of the open review discussed, skipped or noted, with an optional note.
#[tauri::command]
pub async fn meeting_mark(app: AppHandle, id: i64, finding: String, mark: Mark, note: Option<String>) -> Result<Meeting> {
    blocking(app, move |state| {
        let (metric, sentence) = with_review(state, |r| {
            let f = r.finding(&finding).ok_or_else(|| Error::new(Code::NotFound, format!("no finding {finding} in this review")))?;
            Ok((f.metric.clone(), f.sentence.clone()))
        })?;
        let mut j = state.journal()?;
        j.meeting_mark(id, &finding, &metric, &sentence, mark, note.as_deref(), flywheel::time::now())?;
        j.meeting(id)?.ok_or_else(|| Error::new(Code::NotFound, format!("no meeting {id}")))
    })
    .await
}

/// The minutes, as written when a meeting ends.
#[derive(Serialize)]
pub struct MinutesOut {
    meeting: Meeting,
    /// What the minutes say, for the minutes view.
    doc: flywheel::minutes::Doc,
    /// The discussed findings' charts (SVG per metric id).
    charts: std::collections::BTreeMap<String, String>,
    /// Where the Markdown and the HTML minutes were written.
    md_path: String,
    html_path: String,
}

/// End the meeting and write its minutes (Markdown, and HTML with the discussed charts) to the data
/// folder's `minutes/`.
#[tauri::command]
pub async fn meeting_end(app: AppHandle, id: i64) -> Result<MinutesOut> {
    blocking(app, move |state| {
        let mut j = state.journal()?;
        let m = j.end_meeting(id, flywheel::time::now())?;
        let (ws, charts) = with_review(state, |r| Ok((r.workspace.clone(), flywheel::minutes::charts(r, &m))))?;
        let c = flywheel::minutes::Context::read(&j, &ws.name, ws.tz, &m)?;
        let doc = flywheel::minutes::doc(&m, &c);
        let (markdown, html) = (flywheel::minutes::markdown(&doc), flywheel::minutes::html(&doc, &charts));
        let data = flywheel::paths::data_dir().ok_or_else(|| Error::new(Code::Journal, "no home folder to write the minutes in"))?;
        let dir = data.join("minutes").join(flywheel::paths::workspace_key(&ws.key_path()));
        std::fs::create_dir_all(&dir).map_err(|e| Error::new(Code::Journal, format!("{}: {e}", dir.display())))?;
        let stem = format!("{}-meeting-{}", m.week, m.id);
        let (md_path, html_path) = (dir.join(format!("{stem}.md")), dir.join(format!("{stem}.html")));
        flywheel::atomic::write_all(&[(md_path.as_path(), markdown.as_bytes()), (html_path.as_path(), html.as_bytes())])
            .map_err(|(p, e)| Error::new(Code::Journal, format!("{}: {e}", p.display())))?;
        Ok(MinutesOut { meeting: m, doc, charts, md_path: md_path.display().to_string(), html_path: html_path.display().to_string() })
    })
    .await
}
