//! The app's COE documents: start a draft from a finding, a ticket or a problem of the open review (the
//! core's [`flywheel::coe::draft`]), list the week's, read one, and save the editor's text (each save one
//! journal transaction, refused when someone else saved meanwhile).

use flywheel::coe::{self, Start};
use flywheel::journal::actions::Filter;
use flywheel::journal::coes::{Coe, CoeEdit};
use tauri::AppHandle;

use crate::commands::blocking;
use crate::error::{Code, Error, Result};
use crate::state::with_review;

#[tauri::command]
pub async fn coe_create(app: AppHandle, start: Start) -> Result<Coe> {
    blocking(app, move |state| {
        let mut j = state.journal()?;
        let draft = with_review(state, |r| {
            let tickets = crate::tickets::of_open_review(state, r);
            let annotations = j.annotations(r.ctx.review_start(), r.ctx.review_end())?;
            let actions = j.actions(&Filter::default())?;
            let ctx = coe::Context { review: r, tickets: tickets.as_ref(), annotations: &annotations, actions: &actions };
            coe::draft(&ctx, &start).map_err(|e| Error::new(Code::NotFound, e.to_string()))
        })?;
        // A COE already started from the same origin this week is the one opened (one document per event).
        Ok(j.create_coe(&draft, flywheel::time::now())?.coe)
    })
    .await
}

/// The COEs of the open review's week and the earlier ones not yet done, newest first.
#[tauri::command]
pub async fn coe_list(app: AppHandle) -> Result<Vec<Coe>> {
    blocking(app, move |state| {
        let week =
            with_review(state, |r| Ok(flywheel::time::local_date(&r.workspace.tz, r.ctx.review_start()).format("%Y-%m-%d").to_string()))?;
        Ok(state.journal()?.coes_to_review(&week)?)
    })
    .await
}

#[tauri::command]
pub async fn coe_get(app: AppHandle, id: i64) -> Result<Coe> {
    blocking(app, move |state| state.journal()?.coe(id)?.ok_or_else(|| Error::new(Code::NotFound, format!("there is no COE {id}")))).await
}

/// Save the editor's text; answers the stored COE (its new revision).
#[tauri::command]
pub async fn coe_save(app: AppHandle, id: i64, edit: CoeEdit) -> Result<Coe> {
    blocking(app, move |state| Ok(state.journal()?.save_coe(id, &edit, flywheel::time::now())?)).await
}
