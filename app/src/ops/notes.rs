//! Notes: add (works offline), edit my own, optionally linked to an appointment.

use carecircle_shared::schema::{Information, Note, Notes};
use carecircle_shared::{CircleId, ItemId};

use super::missing;
use crate::core::CareCircle;
use crate::error::{AppError, AppResult};

impl CareCircle {
    /// Adds a note by me, saved on this device at once.
    pub async fn add_note(
        &mut self,
        circle: CircleId,
        text: &str,
        appointment: Option<ItemId>,
    ) -> AppResult<ItemId> {
        let note = Note {
            author: Some(self.me()?),
            written_at: self.now(),
            text: text.to_string(),
            appointment_id: appointment,
            ..Default::default()
        };
        self.edit(circle, "Added a note", |n: &mut Notes| {
            let id = note.id.clone();
            n.items.insert(id.clone(), note);
            Ok(id)
        })
        .await
    }

    /// Edits one of my notes; others' notes are refused here as on the server.
    pub async fn edit_note(&mut self, circle: CircleId, id: &ItemId, text: &str) -> AppResult<()> {
        let me = self.me()?;
        let notes: Notes = self.view(circle)?;
        if notes.items.get(id).is_some_and(|n| n.author != Some(me)) {
            return Err(AppError::NotAllowed("only a note's author may change it"));
        }
        let (now, text) = (self.now(), text.to_string());
        self.edit(circle, "Edited a note", |n: &mut Notes| {
            let note = n.items.get_mut(id).ok_or_else(|| missing(id))?;
            note.text = text;
            note.edited_at = Some(now);
            Ok(())
        })
        .await
    }
}

impl CareCircle {
    /// Keeps a piece of information (a link and a note about the condition or the journey),
    /// added by me and saved on this device at once; `id` makes a second press of one save a
    /// no-op.
    pub async fn add_information(
        &mut self,
        circle: CircleId,
        info: Information,
    ) -> AppResult<ItemId> {
        let info = Information {
            added_by: Some(self.me()?),
            added_at: self.now(),
            ..info
        };
        let notes: Notes = self.view(circle)?;
        if notes.information.contains_key(&info.id) {
            return Ok(info.id);
        }
        self.edit(circle, "Kept some information", |n: &mut Notes| {
            let id = info.id.clone();
            n.information.insert(id.clone(), info);
            Ok(id)
        })
        .await
    }

    /// Removes information I added; others' are refused here as on the server.
    pub async fn remove_information(&mut self, circle: CircleId, id: &ItemId) -> AppResult<()> {
        let me = self.me()?;
        let notes: Notes = self.view(circle)?;
        match notes.information.get(id) {
            None => return Ok(()),
            Some(i) if i.added_by != Some(me) => {
                return Err(AppError::NotAllowed(
                    "only the person who added it may remove it",
                ));
            }
            Some(_) => {}
        }
        self.edit(circle, "Removed some information", |n: &mut Notes| {
            n.information.remove(id);
            Ok(())
        })
        .await
    }
}
