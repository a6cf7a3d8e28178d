//! What the server did not accept, kept on this device: the person's own words, to read, copy,
//! add again on the shared copy, or delete.

use carecircle_shared::schema::{Notes, Questions};
use carecircle_shared::{CircleId, DocKind, Document, ItemId};

use crate::core::CareCircle;
use crate::error::{AppError, AppResult};
use crate::store::RefusedEdit;

/// The kinds of document whose kept items can be added again as new ones.
pub const ADDED_AGAIN: [DocKind; 2] = [DocKind::Notes, DocKind::Questions];

/// What a kept copy holds, as (field, text) pairs; empty if it cannot be read.
pub fn kept_words(edit: &RefusedEdit) -> Vec<(String, String)> {
    Document::load(edit.kind, &edit.copy)
        .ok()
        .and_then(|d| d.words().ok())
        .unwrap_or_default()
}

impl CareCircle {
    /// The person has seen a refusal's message (the kept words stay).
    pub async fn seen_refused(&mut self, id: i64) -> AppResult<()> {
        self.store.resolve_refused(id).await
    }

    /// Deletes a kept copy.
    pub async fn delete_kept(&mut self, id: i64) -> AppResult<()> {
        self.store.dismiss_refused(id).await
    }

    /// Adds a kept copy's notes or questions again, as new ones on the shared copy, through the
    /// one edit path (so what the person may not do is refused here, before anything is saved).
    /// Returns the new items' ids; the kept copy is then deleted.
    pub async fn add_again(&mut self, id: i64) -> AppResult<Vec<ItemId>> {
        let edit = self
            .store
            .refused()
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(AppError::NotAllowed(
                "that kept copy is no longer on this device",
            ))?;
        let circle = self.circle_of(&edit)?;
        let copy = Document::load(edit.kind, &edit.copy)
            .map_err(|_| AppError::Storage("the kept copy could not be read".into()))?;
        let mut added = Vec::new();
        match edit.kind {
            DocKind::Notes => {
                let notes: Notes = copy.view()?;
                for n in notes.items.values() {
                    added.push(self.add_note(circle, &n.text, None).await?);
                }
            }
            DocKind::Questions => {
                let questions: Questions = copy.view()?;
                for q in questions.items.values() {
                    added.push(self.add_question(circle, &q.text, None, None).await?);
                }
            }
            _ => {
                return Err(AppError::NotAllowed(
                    "copy the words and enter them again where they belong",
                ));
            }
        }
        self.store.dismiss_refused(id).await?;
        Ok(added)
    }

    /// The circle a kept copy's document belongs to.
    fn circle_of(&self, edit: &RefusedEdit) -> AppResult<CircleId> {
        self.circles()
            .iter()
            .find(|c| c.documents.iter().any(|d| d.id == edit.doc))
            .map(|c| c.id)
            .ok_or(AppError::NotAllowed(
                "you are no longer in that circle; copy the words to keep them",
            ))
    }
}
